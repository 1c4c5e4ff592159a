// The organisation tree's rules without a database: which unit may hang under which, and
// what a scope holds.
#include "services/organisation.h"

#include <gtest/gtest.h>

namespace ebank::services {
namespace {

TEST(OrganisationTest, UnitsHangUnderTheirOwnKindOfParentOnly) {
  using enum UnitKind;
  EXPECT_TRUE(MayHangUnder(kHeadOffice, kBranch));
  EXPECT_TRUE(MayHangUnder(kBranch, kSubBranch));
  EXPECT_TRUE(MayHangUnder(kBranch, kOutlet));
  EXPECT_TRUE(MayHangUnder(kSubBranch, kOutlet));
  for (UnitKind parent : {kHeadOffice, kBranch, kSubBranch, kOutlet}) {
    EXPECT_FALSE(MayHangUnder(parent, kHeadOffice));  // One root.
    EXPECT_FALSE(MayHangUnder(kOutlet, parent));      // Outlets are leaves.
  }
  EXPECT_FALSE(MayHangUnder(kHeadOffice, kSubBranch));
  EXPECT_FALSE(MayHangUnder(kHeadOffice, kOutlet));
  EXPECT_FALSE(MayHangUnder(kSubBranch, kSubBranch));
  EXPECT_FALSE(MayHangUnder(kSubBranch, kBranch));
  EXPECT_FALSE(MayHangUnder(kBranch, kBranch));
}

TEST(OrganisationTest, KindNamesRoundTrip) {
  for (UnitKind kind :
       {UnitKind::kHeadOffice, UnitKind::kBranch, UnitKind::kSubBranch, UnitKind::kOutlet}) {
    EXPECT_EQ(ParseUnitKind(UnitKindName(kind)), kind);
  }
  EXPECT_EQ(ParseUnitKind("Branch"), std::nullopt);
  EXPECT_EQ(ParseUnitKind(""), std::nullopt);
}

TEST(OrganisationTest, AScopeHoldsItsUnitAndDescendantsOnly) {
  std::string head = ChildPath("/", 1);
  std::string branch = ChildPath(head, 4);
  std::string sub_branch = ChildPath(branch, 9);
  std::string other_branch = ChildPath(head, 41);  // Its id starts like branch 4's.
  EXPECT_EQ(head, "/1/");
  EXPECT_EQ(sub_branch, "/1/4/9/");
  UnitScope scope{4, branch};
  EXPECT_TRUE(scope.Contains(branch));
  EXPECT_TRUE(scope.Contains(sub_branch));
  EXPECT_FALSE(scope.Contains(head));
  EXPECT_FALSE(scope.Contains(other_branch));
  EXPECT_FALSE(scope.Contains(ChildPath(other_branch, 7)));
  EXPECT_EQ(scope.LikePattern(), "/1/4/%");
  EXPECT_TRUE((UnitScope{1, head}.Contains(other_branch)));
  // A staff member whose unit could not be read sees nothing.
  EXPECT_FALSE((UnitScope{0, ""}.Contains(head)));
  EXPECT_EQ((UnitScope{0, ""}.LikePattern()), "-");
}

TEST(OrganisationTest, OutletCashAccountsAreNamedByOutlet) {
  EXPECT_EQ(CashAccountCode("BJ-01", Currency::Cny()), "gl:cash:BJ-01:CNY");
}

}  // namespace
}  // namespace ebank::services
