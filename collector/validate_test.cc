#include "collector/validate.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace leakprof::collector {
namespace {

namespace v1 = ::leakprof::v1;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1767225600);

v1::PushRequest Valid() {
  v1::PushRequest req;
  v1::Snapshot* s = req.mutable_snapshot();
  s->set_service("api");
  s->set_instance("pod-1");
  s->set_timestamp_unix_nanos(absl::ToUnixNanos(kNow - absl::Seconds(5)));
  s->set_process_start_unix_nanos(absl::ToUnixNanos(kNow - absl::Hours(1)));
  s->set_kind(v1::PROFILE_KIND_GOROUTINE);
  s->set_sequence(1);
  s->add_stack_ids(11);
  s->add_counts(3);
  s->add_stack_ids(12);
  s->add_counts(0);
  s->add_strings("");
  s->add_strings("main.f");
  s->add_strings("main.go");
  v1::StackDef* d = s->add_definitions();
  d->set_stack_id(11);
  d->set_site_id(99);
  v1::Frame* f = d->add_frames();
  f->set_function(1);
  f->set_file(2);
  f->set_line(10);
  v1::StackExtra* e = s->add_extras();
  e->set_point(1);
  for (int i = 0; i < 5; ++i) e->mutable_wait()->add_buckets(i);
  v1::Label* l = s->add_labels();
  l->set_name("a");
  l->set_value("1");
  l = s->add_labels();
  l->set_name("b");
  return req;
}

void ExpectInvalid(const v1::PushRequest& req, const std::string& field) {
  absl::Status st = ValidatePush(req, PushLimits(), kNow);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr(field));
}

TEST(ValidateTest, ValidPasses) {
  EXPECT_TRUE(ValidatePush(Valid(), PushLimits(), kNow).ok());
}

TEST(ValidateTest, NamesTheField) {
  v1::PushRequest r = Valid();
  r.mutable_snapshot()->set_counts(1, -4);
  ExpectInvalid(r, "snapshot.counts[1]: negative (-4)");

  r = Valid();
  r.mutable_snapshot()->add_counts(1);
  ExpectInvalid(r, "snapshot.counts: 3 entries but 2 stack_ids");

  r = Valid();
  r.mutable_snapshot()->set_stack_ids(1, 11);
  ExpectInvalid(r, "snapshot.stack_ids[1]: duplicate of stack_ids[0]");

  r = Valid();
  r.mutable_snapshot()->set_service("");
  ExpectInvalid(r, "snapshot.service: empty");

  r = Valid();
  r.mutable_snapshot()->set_instance(std::string(300, 'x'));
  ExpectInvalid(r, "snapshot.instance: 300 bytes");

  r = Valid();
  r.mutable_snapshot()->mutable_extras(0)->set_point(2);
  ExpectInvalid(r, "snapshot.extras[0].point: index 2 out of range");

  r = Valid();
  r.mutable_snapshot()->mutable_extras(0)->mutable_wait()->add_buckets(1);
  ExpectInvalid(r, "snapshot.extras[0].wait.buckets: 6 entries");

  r = Valid();
  r.mutable_snapshot()->mutable_definitions(0)->mutable_frames(0)->set_file(3);
  ExpectInvalid(r, "snapshot.definitions[0].frames[0].file: string index 3");

  r = Valid();
  r.mutable_snapshot()->mutable_definitions(0)->set_site_frame(1);
  ExpectInvalid(r, "snapshot.definitions[0].site_frame: index 1");

  r = Valid();
  r.mutable_snapshot()->set_strings(0, "x");
  ExpectInvalid(r, "snapshot.strings[0]: not empty");

  r = Valid();
  r.mutable_snapshot()->mutable_labels(1)->set_name("a");
  ExpectInvalid(r, "snapshot.labels[1].name: not sorted or not unique");

  r = Valid();
  r.mutable_snapshot()->set_timestamp_unix_nanos(
      absl::ToUnixNanos(kNow + absl::Hours(1)));
  ExpectInvalid(r, "snapshot.timestamp_unix_nanos");

  r = Valid();
  r.mutable_snapshot()->set_timestamp_unix_nanos(5);
  ExpectInvalid(r, "snapshot.timestamp_unix_nanos");

  r = Valid();
  r.mutable_snapshot()->set_kind(static_cast<v1::ProfileKind>(9));
  ExpectInvalid(r, "snapshot.kind: unknown value 9");

  r = Valid();
  r.mutable_snapshot()->mutable_definitions(0)->clear_frames();
  ExpectInvalid(r, "snapshot.definitions[0].frames: empty");

  r = Valid();
  r.mutable_snapshot()->set_stack_ids(0, 0);
  ExpectInvalid(r, "snapshot.stack_ids[0]: zero");

  r = Valid();
  r.clear_snapshot();
  ExpectInvalid(r, "snapshot: missing");
}

TEST(ValidateTest, TooManyStacksIsResourceExhausted) {
  v1::PushRequest r = Valid();
  PushLimits limits;
  limits.max_stacks = 1;
  absl::Status st = ValidatePush(r, limits, kNow);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr("snapshot.stack_ids"));
}

}  // namespace
}  // namespace leakprof::collector
