// Pack and Unpack of a typical authorisation request under Ascii87.
//   build-iso/src/iso8583/iso8583_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include "iso8583/iso8583.h"

namespace ebank::iso8583 {
namespace {

// A chip purchase with PIN: 12 fields, about 190 bytes packed.
Message Authorisation() {
  Message message("0100");
  message.Set(2, "4761739001010010");
  message.Set(3, "000000");
  message.Set(4, "000000010000");
  message.Set(7, "1206153000");
  message.Set(11, "000123");
  message.Set(22, "051");
  message.Set(35, "4761739001010010=2512201123456789");
  message.Set(41, "TERM0001");
  message.Set(42, "MERCHANT0000001");
  message.Set(49, "156");
  message.Set(52, std::string("\x12\x34\x56\x78\x9a\xbc\xde\xf0", 8));
  message.Set(55, std::string(48, '\x9f'));
  return message;
}

void BM_Pack(benchmark::State& state) {
  const Spec& spec = Spec::Ascii87();
  Message message = Authorisation();
  for (auto _ : state) {
    Result<std::string> packed = Pack(spec, message);
    benchmark::DoNotOptimize(packed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Pack);

void BM_Unpack(benchmark::State& state) {
  const Spec& spec = Spec::Ascii87();
  std::string bytes = *Pack(spec, Authorisation());
  state.counters["bytes"] = static_cast<double>(bytes.size());
  for (auto _ : state) {
    Result<Message> message = Unpack(spec, bytes);
    benchmark::DoNotOptimize(message);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Unpack);

// One item is a pack and an unpack: what a host does per request it receives and answers.
void BM_PackUnpack(benchmark::State& state) {
  const Spec& spec = Spec::Ascii87();
  Message message = Authorisation();
  for (auto _ : state) {
    Result<std::string> packed = Pack(spec, message);
    Result<Message> unpacked = Unpack(spec, *packed);
    benchmark::DoNotOptimize(unpacked);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PackUnpack);

}  // namespace
}  // namespace ebank::iso8583
