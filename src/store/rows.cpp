#include "store/rows.h"

namespace ebank::store {

Status CorruptRow(std::string_view table, std::string_view what) {
  return Status::Internal("database_corrupt",
                          "bad " + std::string(what) + " in table " + std::string(table));
}

}  // namespace ebank::store
