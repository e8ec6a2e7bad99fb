// Compressed output as frames (output/compressed_frames.h): frames written one after another
// read back as one stream by the dataset tools' reader (output/byte_source.h), and --resume's
// frame reader keeps exactly the whole frames — a frame torn at any byte or damaged ends what
// is kept, at the end of the frame before it; a frame over the cap is an error.
#include "output/compressed_frames.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

struct Frame {
  std::string text;
  uint64_t end = 0;
};

// ReadWholeFrames over `bytes` in a memfd (a real file descriptor, as resume opens).
std::vector<Frame> Frames(Compression compression, const std::string& bytes,
                          size_t max_frame_bytes = 1 << 20, absl::Status* status_out = nullptr) {
  int fd = memfd_create("frames", 0);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  lseek(fd, 0, SEEK_SET);
  std::vector<Frame> frames;
  absl::Status status =
      ReadWholeFrames(fd, compression, max_frame_bytes, [&](std::string_view text, uint64_t end) {
        frames.push_back({std::string(text), end});
        return true;
      });
  if (status_out != nullptr) {
    *status_out = status;
  } else {
    EXPECT_TRUE(status.ok()) << status;
  }
  close(fd);
  return frames;
}

std::string Records(int first, int count) {
  std::string text;
  for (int i = first; i < first + count; ++i) {
    text += "{\"type\":\"host\",\"ip\":\"192.0.2." + std::to_string(i % 250) +
            "\",\"n\":" + std::to_string(i) + "}\n";
  }
  return text;
}

class CompressedFramesTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CompressedFramesTest, FramesOneAfterAnotherAreOneStream) {
  FrameEncoder encoder(GetParam());
  std::string file;
  std::vector<uint64_t> ends;
  std::vector<std::string> texts = {Records(0, 10), Records(10, 3000), Records(3010, 1)};
  for (const std::string& text : texts) {
    ASSERT_EQ(encoder.AppendFrame(text, &file), "");
    ends.push_back(file.size());
  }
  ASSERT_EQ(encoder.AppendFrame("", &file), "");
  EXPECT_EQ(file.size(), ends.back()) << "empty data makes no frame";
  EXPECT_EQ(DetectCompression(file.substr(0, 4)), GetParam());

  std::vector<Frame> frames = Frames(GetParam(), file);
  ASSERT_EQ(frames.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(frames[i].text, texts[i]);
    EXPECT_EQ(frames[i].end, ends[i]);
  }

  // The dataset tools read the frames as one stream.
  FILE* in = fmemopen(file.data(), file.size(), "r");
  ASSERT_NE(in, nullptr);
  std::unique_ptr<ByteSource> source = ByteSourceFromFile(in, "frames");
  std::string all;
  char buffer[4096];
  while (size_t n = source->Read(buffer, sizeof buffer)) all.append(buffer, n);
  EXPECT_TRUE(source->status().ok()) << source->status();
  EXPECT_EQ(all, texts[0] + texts[1] + texts[2]);
  std::fclose(in);
}

TEST_P(CompressedFramesTest, ATornLastFrameIsLeftOutWhereverItIsCut) {
  FrameEncoder encoder(GetParam());
  std::string file;
  ASSERT_EQ(encoder.AppendFrame(Records(0, 50), &file), "");
  ASSERT_EQ(encoder.AppendFrame(Records(50, 50), &file), "");
  const size_t first_end = file.size();
  ASSERT_EQ(encoder.AppendFrame(Records(100, 50), &file), "");
  for (size_t cut = first_end; cut < file.size(); ++cut) {
    std::vector<Frame> frames = Frames(GetParam(), file.substr(0, cut));
    ASSERT_EQ(frames.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(frames[1].end, first_end);
  }
  EXPECT_EQ(Frames(GetParam(), file).size(), 3u);
}

TEST_P(CompressedFramesTest, ADamagedFrameEndsWhatIsKept) {
  FrameEncoder encoder(GetParam());
  std::string file;
  ASSERT_EQ(encoder.AppendFrame(Records(0, 50), &file), "");
  const size_t first_end = file.size();
  ASSERT_EQ(encoder.AppendFrame(Records(50, 50), &file), "");
  const size_t second_end = file.size();
  ASSERT_EQ(encoder.AppendFrame(Records(100, 50), &file), "");
  // Every byte of the second frame, flipped in turn: the checksum (zstd's content checksum,
  // gzip's CRC-32) or the format rejects it, or it still reads as the same frame.
  for (size_t at = first_end; at < second_end; ++at) {
    std::string damaged = file;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    std::vector<Frame> frames = Frames(GetParam(), damaged);
    ASSERT_GE(frames.size(), 1u);
    EXPECT_EQ(frames[0].end, first_end);
    if (frames.size() > 1) {
      EXPECT_EQ(frames[1].text, Records(50, 50))
          << "a damaged frame read as other records, byte " << at;
    }
  }
  // Garbage after whole frames is not a frame.
  EXPECT_EQ(Frames(GetParam(), file + "garbage!").size(), 3u);
}

TEST_P(CompressedFramesTest, AFrameOverTheCapIsAnErrorNamingIt) {
  FrameEncoder encoder(GetParam());
  std::string file;
  ASSERT_EQ(encoder.AppendFrame(Records(0, 10), &file), "");
  const size_t first_end = file.size();
  ASSERT_EQ(encoder.AppendFrame(Records(10, 5000), &file), "");
  absl::Status status;
  std::vector<Frame> frames = Frames(GetParam(), file, 64 << 10, &status);
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
  EXPECT_NE(status.message().find("offset " + std::to_string(first_end)), std::string::npos)
      << status;
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].text, Records(0, 10));
}

INSTANTIATE_TEST_SUITE_P(Both, CompressedFramesTest,
                         ::testing::Values(Compression::kZstd, Compression::kGzip),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(CompressedFrames, TheNameTellsTheCompression) {
  EXPECT_EQ(CompressionForFileName("scan.ndjson.zst"), Compression::kZstd);
  EXPECT_EQ(CompressionForFileName("scan.csv.gz"), Compression::kGzip);
  EXPECT_EQ(CompressionForFileName("scan.ndjson"), Compression::kNone);
  EXPECT_EQ(CompressionForFileName("gz"), Compression::kNone);
}

}  // namespace
}  // namespace starttls
