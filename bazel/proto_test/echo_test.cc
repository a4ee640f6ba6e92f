// Copyright 2026 The leakprof Authors.
//
// Serves bazel/proto_test/echo.proto with gRPC's callback API on loopback and
// calls it through a real channel: proves that //bazel:proto.bzl's generated
// messages, imports and service code compile, link and work together.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/synchronization/notification.h"
#include "bazel/proto_test/echo.grpc.pb.h"
#include "bazel/proto_test/echo.pb.h"
#include "bazel/proto_test/payload.pb.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace proto_test {
namespace {

// Echo service on the callback API: answers each call inline with the
// request's payload and timestamp, or INVALID_ARGUMENT when the payload's
// text is empty. Stateless, so thread-safe; gRPC calls it from its own
// threads.
class EchoService final : public Echo::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const EchoRequest* request,
                                 EchoResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (request->payload().text().empty()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   "payload text is empty"));
      return reactor;
    }
    *response->mutable_payload() = request->payload();
    *response->mutable_sent() = request->sent();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// Starts an EchoService on 127.0.0.1 at a port the kernel picks, and a stub
// on an insecure channel to it. The fixture owns both; the server shuts down
// in TearDown.
class EchoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ =
        Echo::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                          grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown(std::chrono::system_clock::now() +
                        std::chrono::seconds(5));
    }
  }

  static void SetDeadline(grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
  }

  static EchoRequest MakeRequest(const std::string& text) {
    EchoRequest request;
    request.mutable_payload()->set_text(text);
    request.mutable_payload()->add_numbers(7);
    request.mutable_payload()->add_numbers(-42);
    request.mutable_sent()->set_seconds(1795000000);
    request.mutable_sent()->set_nanos(123);
    return request;
  }

  EchoService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Echo::Stub> stub_;
};

TEST_F(EchoTest, EchoesPayloadAndTimestamp) {
  grpc::ClientContext context;
  SetDeadline(&context);
  const EchoRequest request = MakeRequest("hello over loopback");
  EchoResponse response;

  const grpc::Status status = stub_->Echo(&context, request, &response);

  ASSERT_TRUE(status.ok()) << status.error_code() << ": "
                           << status.error_message();
  EXPECT_EQ(response.payload().text(), "hello over loopback");
  ASSERT_EQ(response.payload().numbers_size(), 2);
  EXPECT_EQ(response.payload().numbers(0), 7);
  EXPECT_EQ(response.payload().numbers(1), -42);
  EXPECT_EQ(response.sent().seconds(), 1795000000);
  EXPECT_EQ(response.sent().nanos(), 123);
}

TEST_F(EchoTest, EmptyTextIsInvalidArgument) {
  grpc::ClientContext context;
  SetDeadline(&context);
  EchoResponse response;

  const grpc::Status status = stub_->Echo(&context, MakeRequest(""), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "payload text is empty");
  EXPECT_FALSE(response.has_payload());
}

TEST_F(EchoTest, CallbackClient) {
  grpc::ClientContext context;
  SetDeadline(&context);
  const EchoRequest request = MakeRequest("callback client");
  EchoResponse response;
  grpc::Status status;
  absl::Notification done;

  stub_->async()->Echo(&context, &request, &response,
                       [&status, &done](grpc::Status s) {
                         status = std::move(s);
                         done.Notify();
                       });
  done.WaitForNotification();

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.payload().text(), "callback client");
}

}  // namespace
}  // namespace proto_test
}  // namespace leakprof
