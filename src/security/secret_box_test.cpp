#include "security/secret_box.h"

#include <gtest/gtest.h>

namespace ebank::security {
namespace {

TEST(SecretBox, SealsAndOpensAndRefusesOtherKeysAndTampering) {
  SecretBox box = SecretBox::Random();
  std::string sealed = box.Seal("JBSWY3DPEHPK3PXP");
  EXPECT_EQ(sealed.rfind("sb1:", 0), 0u);
  EXPECT_EQ(sealed.find("JBSWY3DPEHPK3PXP"), std::string::npos);
  EXPECT_EQ(*box.Open(sealed), "JBSWY3DPEHPK3PXP");
  EXPECT_NE(box.Seal("JBSWY3DPEHPK3PXP"), sealed);  // A fresh nonce every time.
  EXPECT_EQ(SecretBox::Random().Open(sealed).status().reason(), "secret_unreadable");
  std::string tampered = sealed;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box.Open(tampered).ok());
  EXPECT_FALSE(box.Open("sb1:").ok());
  EXPECT_FALSE(box.Open("plain").ok());
  EXPECT_EQ(*box.Open(box.Seal("")), "");
}

}  // namespace
}  // namespace ebank::security
