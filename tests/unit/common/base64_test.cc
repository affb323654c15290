#include "common/base64.h"

#include <gtest/gtest.h>

namespace fairway {
namespace {

TEST(Base64Test, EncodesWithPaddingPerRfc4648) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, RoundTripsEveryByte) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= bytes.size(); len += 37) {
    StatusOr<std::string> back = Base64Decode(Base64Encode(bytes.substr(0, len)));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, bytes.substr(0, len));
  }
}

TEST(Base64Test, DecodesUrlSafeUnpaddedAndWrapped) {
  EXPECT_EQ(*Base64Decode("Zm9vYmE"), "fooba");
  EXPECT_EQ(*Base64Decode("Zm9v\nYmFy\n"), "foobar");
  EXPECT_EQ(*Base64Decode("-_8="), std::string("\xfb\xff"));
}

TEST(Base64Test, RejectsForeignCharactersAndDataAfterPadding) {
  EXPECT_EQ(Base64Decode("Zm9v!").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64Decode("Zg==Zg==").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fairway
