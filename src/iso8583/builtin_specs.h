// The text of iso87ascii.spec and iso87bcd.spec, compiled in from the files beside this
// one (CMakeLists.txt generates builtin_specs.cpp from builtin_specs.cpp.in).
#pragma once

#include <string_view>

namespace ebank::iso8583 {

extern const std::string_view kIso87AsciiSpecText;
extern const std::string_view kIso87BcdSpecText;

}  // namespace ebank::iso8583
