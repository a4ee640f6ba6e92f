// Copyright 2026 The leakprof Authors.

#include "common/status/status_macros.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace leakprof {
namespace {

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  LEAKPROF_ASSIGN_OR_RETURN(int half, Half(n));
  LEAKPROF_ASSIGN_OR_RETURN(half, Half(half));
  return half;
}

absl::Status CheckEven(int n) {
  LEAKPROF_RETURN_IF_ERROR(Half(n).status());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<std::string>> MoveOnly(bool ok) {
  if (!ok) return absl::NotFoundError("none");
  return std::make_unique<std::string>("x");
}

absl::StatusOr<size_t> UseMoveOnly(bool ok) {
  LEAKPROF_ASSIGN_OR_RETURN(std::unique_ptr<std::string> s, MoveOnly(ok));
  return s->size();
}

TEST(StatusMacrosTest, AssignOrReturnPassesValues) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(3).status().message(), "odd");
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsTheError) {
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(5).code(), absl::StatusCode::kInvalidArgument);
}

TEST(StatusMacrosTest, MoveOnlyValues) {
  EXPECT_EQ(*UseMoveOnly(true), 1u);
  EXPECT_EQ(UseMoveOnly(false).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace leakprof
