// SPDY/3.1 frames and header blocks: the wire layout kubectl's spdystream writes, read back in
// chunks of any size, and the errors for frames and blocks that break the format.
#include "sandbox/spdy_framer.h"

#include <gtest/gtest.h>

#include <vector>

#include "sandbox/spdy_headers.h"

namespace fairway::sandbox::spdy {
namespace {

std::string Serialized(const Frame& f) {
  StatusOr<std::string> bytes = SerializeFrame(f);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : "";
}

// Every frame in `bytes`, fed one byte at a time.
std::vector<Frame> ReadAll(const std::string& bytes) {
  FrameReader reader;
  std::vector<Frame> out;
  for (char c : bytes) {
    reader.Append(std::string_view(&c, 1));
    for (;;) {
      StatusOr<std::optional<Frame>> f = reader.Next();
      EXPECT_TRUE(f.ok()) << f.status();
      if (!f.ok() || !f->has_value()) break;
      out.push_back(**f);
    }
  }
  EXPECT_EQ(reader.buffered(), 0u);
  return out;
}

Status ReadError(const std::string& bytes) {
  FrameReader reader;
  reader.Append(bytes);
  return reader.Next().status();
}

TEST(SpdyFramerTest, DataFrameWireLayout) {
  Frame f;
  f.stream_id = 3;
  f.flags = kFlagFin;
  f.payload = "hi";
  EXPECT_EQ(Serialized(f), std::string("\x00\x00\x00\x03\x01\x00\x00\x02hi", 10));
}

TEST(SpdyFramerTest, PingAndSynReplyWireLayout) {
  Frame ping;
  ping.type = FrameType::kPing;
  ping.value = 7;
  EXPECT_EQ(Serialized(ping), std::string("\x80\x03\x00\x06\x00\x00\x00\x04\x00\x00\x00\x07", 12));
  Frame reply;
  reply.type = FrameType::kSynReply;
  reply.stream_id = 1;
  reply.payload = "ZZ";
  EXPECT_EQ(Serialized(reply),
            std::string("\x80\x03\x00\x02\x00\x00\x00\x06\x00\x00\x00\x01ZZ", 14));
}

TEST(SpdyFramerTest, EveryFrameTypeRoundTripsByteByByte) {
  std::vector<Frame> frames(8);
  frames[0] = {FrameType::kSynStream, kFlagFin, 5, 1, 3, 0, "block"};
  frames[1] = {FrameType::kSynReply, 0, 5, 0, 0, 0, "reply"};
  frames[2] = {FrameType::kData, kFlagFin, 5, 0, 0, 0, std::string(70000, 'x')};
  frames[3] = {FrameType::kRstStream, 0, 5, 0, 0, 5, ""};
  frames[4] = {FrameType::kPing, 0, 0, 0, 0, 41, ""};
  frames[5] = {FrameType::kGoAway, 0, 9, 0, 0, 1, ""};
  frames[6] = {FrameType::kWindowUpdate, 0, 5, 0, 0, 65536, ""};
  frames[7] = {FrameType::kSettings, 0, 0, 0, 0, 0, std::string(16, '\x01')};
  std::string wire;
  for (const Frame& f : frames) wire += Serialized(f);
  std::vector<Frame> back = ReadAll(wire);
  ASSERT_EQ(back.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(back[i].type, frames[i].type);
    EXPECT_EQ(back[i].flags, frames[i].flags);
    EXPECT_EQ(back[i].stream_id, frames[i].stream_id);
    EXPECT_EQ(back[i].associated_id, frames[i].associated_id);
    EXPECT_EQ(back[i].priority, frames[i].priority);
    EXPECT_EQ(back[i].value, frames[i].value);
    EXPECT_EQ(back[i].payload, frames[i].payload);
  }
}

TEST(SpdyFramerTest, UnknownControlFramesAreSkipped) {
  // Type 10 (CREDENTIAL, dropped from SPDY/3.1) with 4 bytes, then a PING.
  std::string wire(
      "\x80\x03\x00\x0a\x00\x00\x00\x04"
      "abcd",
      12);
  Frame ping;
  ping.type = FrameType::kPing;
  ping.value = 1;
  wire += Serialized(ping);
  std::vector<Frame> frames = ReadAll(wire);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].type, FrameType::kPing);
}

TEST(SpdyFramerTest, MalformedFramesAreErrors) {
  struct Case {
    const char* name;
    std::string bytes;
  };
  const std::vector<Case> cases = {
      {"SPDY/2", std::string("\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01", 12)},
      {"data on stream 0", std::string("\x00\x00\x00\x00\x00\x00\x00\x00", 8)},
      {"short PING", std::string("\x80\x03\x00\x06\x00\x00\x00\x02\x00\x01", 10)},
      {"RST with status 0", std::string("\x80\x03\x00\x03\x00\x00\x00\x08\x00\x00\x00\x01"
                                        "\x00\x00\x00\x00",
                                        16)},
      {"short SYN_STREAM", std::string("\x80\x03\x00\x01\x00\x00\x00\x04\x00\x00\x00\x01", 12)},
      {"SETTINGS count past the end",
       std::string("\x80\x03\x00\x04\x00\x00\x00\x04\x00\x00\x00\x09", 12)},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ReadError(c.bytes).code(), StatusCode::kInvalidArgument) << c.name;
  }
}

TEST(SpdyFramerTest, SerializeRefusesWhatTheWireCannotCarry) {
  Frame f;
  f.stream_id = 0;
  EXPECT_EQ(SerializeFrame(f).status().code(), StatusCode::kInvalidArgument);
  f.stream_id = 0x80000000u;
  EXPECT_EQ(SerializeFrame(f).status().code(), StatusCode::kInvalidArgument);
}

TEST(SpdyHeadersTest, BlocksShareOneZlibStreamPerDirection) {
  HeaderCompressor client;
  HeaderDecompressor server;
  const HeaderBlock first = {{"streamtype", "error"}, {"port", "8888"}, {"requestid", "0"}};
  const HeaderBlock second = {{"streamtype", "data"}, {"port", "8888"}, {"requestid", "0"}};
  StatusOr<std::string> a = client.Compress(first);
  StatusOr<std::string> b = client.Compress(second);
  ASSERT_TRUE(a.ok() && b.ok());
  // The second block refers back to the first: on its own it would not inflate.
  EXPECT_LT(b->size(), a->size());
  StatusOr<HeaderBlock> got_a = server.Decompress(*a);
  ASSERT_TRUE(got_a.ok()) << got_a.status();
  EXPECT_EQ(*got_a, first);
  StatusOr<HeaderBlock> got_b = server.Decompress(*b);
  ASSERT_TRUE(got_b.ok()) << got_b.status();
  EXPECT_EQ(*got_b, second);
  EXPECT_EQ(HeaderValue(*got_b, "streamtype"), "data");
  EXPECT_EQ(HeaderValue(*got_b, "absent"), "");
}

TEST(SpdyHeadersTest, StreamStartsWithTheSpdy3DictionaryId) {
  // zlib header (2 bytes, FDICT set) then the dictionary's Adler-32, which every SPDY/3 peer
  // (Go's zlib.NewReaderDict) checks against its own copy of the dictionary.
  HeaderCompressor c;
  StatusOr<std::string> block = c.Compress({});
  ASSERT_TRUE(block.ok());
  ASSERT_GE(block->size(), 6u);
  EXPECT_NE(static_cast<uint8_t>((*block)[1]) & 0x20, 0);
  EXPECT_EQ(block->substr(2, 4), std::string("\xe3\xc6\xa7\xc2", 4));
}

TEST(SpdyHeadersTest, MalformedBlocksAreErrors) {
  EXPECT_FALSE(ParseHeaderBlock(std::string("\x00\x00\x00", 3)).ok());
  // One pair announced, none there; a huge count is refused before allocating.
  EXPECT_FALSE(ParseHeaderBlock(std::string("\x00\x00\x00\x01", 4)).ok());
  EXPECT_FALSE(ParseHeaderBlock(std::string("\xff\xff\xff\xff", 4)).ok());
  std::string trailing = EncodeHeaderBlock({{"a", "b"}}) + "x";
  EXPECT_FALSE(ParseHeaderBlock(trailing).ok());
  EXPECT_TRUE(ParseHeaderBlock(EncodeHeaderBlock({{"a", std::string("b\0c", 3)}})).ok());

  HeaderDecompressor d;
  StatusOr<HeaderBlock> garbage = d.Decompress("not zlib at all");
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidArgument);
  // Once the stream failed, the connection's later blocks fail too.
  HeaderCompressor c;
  EXPECT_FALSE(d.Decompress(*c.Compress({{"a", "b"}})).ok());
}

TEST(SpdyHeadersTest, HeaderBombIsRefused) {
  HeaderCompressor c;
  HeaderDecompressor d;
  StatusOr<std::string> bomb = c.Compress({{"x", std::string(HeaderDecompressor::kMaxBlock, 'a')}});
  ASSERT_TRUE(bomb.ok());
  EXPECT_LT(bomb->size(), 4096u);
  EXPECT_EQ(d.Decompress(*bomb).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fairway::sandbox::spdy
