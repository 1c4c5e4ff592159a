// libFuzzer target: whatever Unpack accepts must pack, and unpack again to the same message.
// Built with clang++ by CMakeLists.txt and run by the CTest test iso8583_fuzz.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "iso8583/iso8583.h"

namespace ebank::iso8583 {
namespace {

// The encodings the built-in specs leave out: hex bitmaps, hex b values, binary and BCD
// length prefixes, xn with BCD digits.
constexpr std::string_view kOtherSpecText = R"(
mti ascii
bitmap ascii
field 2  n   LL  19  ascii binary "PAN, with a binary length"
field 3  n   0   6   ascii        "Processing code"
field 28 xn  0   9   bcd          "Fee"
field 35 z   LL  37  bcd   binary "Track 2"
field 44 a   0   3   ascii        "Letters"
field 48 ans LLL 999 ascii bcd    "Private"
field 52 b   0   8   ascii        "PIN block as hex"
field 55 b   LLL 255 ascii binary "ICC data as hex"
field 70 n   0   3   bcd          "Network code"
)";

[[noreturn]] void Fail(const char* what, const Status& status) {
  std::fprintf(stderr, "iso8583_fuzz: %s: %s\n", what, status.ToString().c_str());
  std::abort();
}

void Check(const Spec& spec, std::string_view bytes) {
  Result<Message> message = Unpack(spec, bytes);
  if (!message.ok()) return;
  Result<std::string> packed = Pack(spec, *message);
  if (!packed.ok()) Fail("an unpacked message does not pack", packed.status());
  Result<Message> again = Unpack(spec, *packed);
  if (!again.ok()) Fail("a packed message does not unpack", again.status());
  if (!(*again == *message)) Fail("the message changed in a round trip", Status::Ok());
  if (message->Describe().empty()) Fail("no description", Status::Ok());
}

}  // namespace
}  // namespace ebank::iso8583

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ebank::iso8583;
  static const Spec other = *Spec::Parse(kOtherSpecText);
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Check(Spec::Ascii87(), bytes);
  Check(Spec::Bcd87(), bytes);
  Check(other, bytes);
  if (size >= kFrameHeaderBytes) (void)FrameLength(bytes.substr(0, kFrameHeaderBytes));
  (void)ResponseMti(bytes.substr(0, kMtiDigits));
  return 0;
}
