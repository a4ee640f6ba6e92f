#include "collector/format.h"

#include "gtest/gtest.h"

namespace leakprof::collector {
namespace {

TEST(FormatTest, SnapsRoundTrip) {
  SnapsChunk chunk{{1700000000, 1700000060, 1700000120, 1700000185},
                   {10, 10, 12, 3}};
  std::string encoded = EncodeSnaps(chunk);
  // n, ts0 (5 bytes), total0, then 2 bytes per point: regular minutes cost
  // one byte of timestamp each.
  EXPECT_LE(encoded.size(), 1u + 5 + 1 + 3 * 2 + 1);
  auto decoded = DecodeSnaps(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->timestamps, chunk.timestamps);
  EXPECT_EQ(decoded->totals, chunk.totals);
}

TEST(FormatTest, CountsRoundTripAndPoints) {
  CountsChunk chunk{7, {5, 5, 5, 0, 100000, 3}};
  std::string encoded = EncodeCounts(chunk);
  EXPECT_EQ(CountsPoints(encoded), 6u);
  auto decoded = DecodeCounts(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->first, 7u);
  EXPECT_EQ(decoded->counts, chunk.counts);
}

TEST(FormatTest, TruncatedChunksAreDataLoss) {
  std::string encoded = EncodeCounts(CountsChunk{0, {1, 200, 3}});
  encoded.pop_back();
  EXPECT_EQ(DecodeCounts(encoded).status().code(), absl::StatusCode::kDataLoss);
  std::string snaps = EncodeSnaps(SnapsChunk{{1, 2}, {3, 4}});
  snaps.push_back('\x01');
  EXPECT_EQ(DecodeSnaps(snaps).status().code(), absl::StatusCode::kDataLoss);
}

TEST(FormatTest, SeriesKeysSortByServiceSiteWindowInstance) {
  EXPECT_LT(SeriesKey(1, 2, 0, 9, 0), SeriesKey(1, 2, kWindowSeconds, 1, 0));
  EXPECT_LT(SeriesKey(1, 2, kWindowSeconds, 1, 5),
            SeriesKey(1, 2, kWindowSeconds, 2, 0));
  EXPECT_LT(SeriesKey(1, 2, 99 * kWindowSeconds, 1, 0),
            SeriesKey(1, 3, 0, 0, 0));
  EXPECT_EQ(SeriesKey(1, 2, 0, 0, 0).size(), 32u);
}

TEST(FormatTest, WindowStartFloors) {
  EXPECT_EQ(WindowStart(kWindowSeconds * 5 + 17), kWindowSeconds * 5);
  EXPECT_EQ(WindowStart(kWindowSeconds * 5), kWindowSeconds * 5);
}

TEST(FormatTest, ZigZag) {
  for (int64_t v : {0L, 1L, -1L, 63L, -64L, INT64_MAX, INT64_MIN}) {
    EXPECT_EQ(UnZigZag(ZigZag(v)), v);
  }
  EXPECT_EQ(ZigZag(-1), 1u);
}

}  // namespace
}  // namespace leakprof::collector
