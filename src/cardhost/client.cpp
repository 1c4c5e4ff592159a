#include "cardhost/client.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <ctime>
#include <fstream>

namespace ebank::cardhost {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using iso8583::Message;

namespace {

// The terminal's clock in China Standard Time: "MMDDhhmmss".
std::string TransmissionTime() {
  auto now = std::chrono::system_clock::now() + std::chrono::hours(8);
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  return fmt::format("{:02d}{:02d}{:02d}{:02d}{:02d}", parts.tm_mon + 1, parts.tm_mday,
                     parts.tm_hour, parts.tm_min, parts.tm_sec);
}

}  // namespace

Client::Client(int timeout_ms, const iso8583::Spec& spec)
    : socket_(io_), timeout_ms_(timeout_ms), spec_(spec) {}

Result<std::unique_ptr<Client>> Client::Connect(const std::string& host, uint16_t port,
                                                int timeout_ms, const iso8583::Spec* spec) {
  std::unique_ptr<Client> client(new Client(timeout_ms, spec ? *spec : iso8583::Spec::Ascii87()));
  boost::system::error_code error;
  tcp::resolver resolver(client->io_);
  auto endpoints = resolver.resolve(host, std::to_string(port), error);
  if (!error) asio::connect(client->socket_, endpoints, error);
  if (error) {
    return Status::Unavailable(
        "connect_failed", fmt::format("cannot connect to {}:{}: {}", host, port, error.message()));
  }
  client->socket_.set_option(tcp::no_delay(true));
  return client;
}

Status Client::SendRaw(std::string_view bytes) {
  boost::system::error_code error;
  asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), error);
  if (error) return Status::Unavailable("closed", "cannot write: " + error.message());
  return Status::Ok();
}

Status Client::Send(const Message& message) {
  auto packed = iso8583::Pack(spec_, message);
  if (!packed.ok()) return packed.status();
  return SendRaw(iso8583::Frame(*packed));
}

Status Client::ReadExactly(std::string& out, size_t bytes) {
  out.resize(bytes);
  boost::system::error_code error;
  bool done = false;
  asio::async_read(socket_, asio::buffer(out), [&](boost::system::error_code e, size_t) {
    error = e;
    done = true;
  });
  io_.restart();
  io_.run_for(std::chrono::milliseconds(timeout_ms_));
  if (!done) {
    socket_.cancel();
    io_.restart();
    io_.run();
    return Status::Unavailable("timeout", "no answer from the host in time");
  }
  if (error) return Status::Unavailable("closed", "the host closed the connection");
  return Status::Ok();
}

Result<Message> Client::Receive() {
  std::string header, body;
  EBANK_RETURN_IF_ERROR(ReadExactly(header, iso8583::kFrameHeaderBytes));
  auto length = iso8583::FrameLength(header, iso8583::kMessageBytesMax);
  if (!length.ok()) return length.status();
  EBANK_RETURN_IF_ERROR(ReadExactly(body, *length));
  return iso8583::Unpack(spec_, body);
}

Result<Message> Client::Exchange(const Message& request) {
  EBANK_RETURN_IF_ERROR(Send(request));
  return Receive();
}

Terminal::Terminal(Client& client, std::string terminal_code, std::string merchant_code,
                   std::string pin_key_hex, std::string acquirer)
    : Terminal(std::move(terminal_code), std::move(merchant_code), std::move(pin_key_hex),
               std::move(acquirer)) {
  client_ = &client;
}

Terminal::Terminal(std::string terminal_code, std::string merchant_code, std::string pin_key_hex,
                   std::string acquirer)
    : client_(nullptr),
      terminal_code_(std::move(terminal_code)),
      merchant_code_(std::move(merchant_code)),
      acquirer_(std::move(acquirer)) {
  auto key = security::PinKey::FromHex(pin_key_hex);
  if (key.ok()) pin_key_.emplace(std::move(*key));
}

std::string Terminal::NextStan() {
  stan_ = stan_ % 999999 + 1;
  if (!stan_file_.empty()) std::ofstream(stan_file_, std::ios::trunc) << stan_ << "\n";
  return fmt::format("{:06d}", stan_);
}

void Terminal::KeepStanIn(std::string path) {
  stan_file_ = std::move(path);
  int kept = 0;
  if (std::ifstream in(stan_file_); in >> kept && kept > 0 && kept <= 999999) stan_ = kept;
}

Message Terminal::Base(std::string_view mti) {
  Message message(mti);
  std::string now = TransmissionTime();
  message.Set(7, now);
  message.Set(11, NextStan());
  message.Set(12, std::string_view(now).substr(4, 6));
  message.Set(13, std::string_view(now).substr(0, 4));
  message.Set(41, terminal_code_);
  if (!merchant_code_.empty()) message.Set(42, merchant_code_);
  return message;
}

Result<Message> Terminal::Send(const Message& request) {
  if (!client_) return Status::Internal("no_connection", "this terminal only builds requests");
  last_request_ = request;
  auto response = client_->Exchange(request);
  if (!response.ok()) return response;
  // A terminal counts what the host approved, for its settlement.
  if (response->Get(39) == "00" && request.Has(4)) {
    std::string_view type = request.Get(3).substr(0, 2);
    int64_t amount = std::stoll(std::string(request.Get(4)));
    std::string_view mti = request.mti();
    bool reversal = mti == "0400" || mti == "0420";
    bool debit = mti == "0220" || (mti == "0200" && (type == "01" || type == "40" || type == "00"));
    bool credit = mti == "0200" && (type == "21" || type == "20");
    if (!reversal && debit) {
      ++totals_.debits;
      totals_.debits_minor += amount;
    } else if (!reversal && credit) {
      ++totals_.credits;
      totals_.credits_minor += amount;
    }
    if (!reversal && (debit || credit)) counted_[std::string(request.Get(11))] = {debit, amount};
  }
  return response;
}

Result<Message> Terminal::SignOn() {
  Message message = Base("0800");
  message.Set(70, "001");
  return Send(message);
}

Result<Message> Terminal::Echo() {
  Message message = Base("0800");
  message.Set(70, "301");
  return Send(message);
}

Result<Message> Terminal::Request(std::string_view mti, std::string_view processing,
                                  const CardInput& card, int64_t amount_minor) {
  Message message = Base(mti);
  message.Set(2, card.pan);
  message.Set(3, processing);
  if (amount_minor > 0) message.Set(4, fmt::format("{:012d}", amount_minor));
  message.Set(14, card.expiry);
  message.Set(22, card.pin.empty() ? "021" : "022");
  message.Set(25, merchant_code_.empty() ? "02" : "00");
  message.Set(32, acquirer_);
  message.Set(49, "156");
  if (!card.pin.empty()) {
    if (!pin_key_) return Status::Invalid("invalid_pin_key", "the terminal has no PIN key");
    auto block = pin_key_->EncryptPin(card.pin, card.pan);
    if (!block.ok()) return block.status();
    message.Set(52, *block);
  }
  return message;
}

namespace {
Result<Message> SendBuilt(Terminal& terminal, Result<Message> built) {
  if (!built.ok()) return built.status();
  return terminal.Send(*built);
}
}  // namespace

Result<Message> Terminal::Inquiry(const CardInput& card) {
  return SendBuilt(*this, Request("0200", "310000", card, 0));
}
Result<Message> Terminal::Withdraw(const CardInput& card, int64_t amount_minor) {
  return SendBuilt(*this, Request("0200", "010000", card, amount_minor));
}
Result<Message> Terminal::Deposit(const CardInput& card, int64_t amount_minor) {
  return SendBuilt(*this, Request("0200", "210000", card, amount_minor));
}
Result<Message> Terminal::Transfer(const CardInput& card, const std::string& to_account,
                                   int64_t amount_minor) {
  auto built = Request("0200", "400000", card, amount_minor);
  if (built.ok()) built->Set(103, to_account);
  return SendBuilt(*this, std::move(built));
}
Result<Message> Terminal::Purchase(const CardInput& card, int64_t amount_minor) {
  return SendBuilt(*this, Request("0200", "000000", card, amount_minor));
}
Result<Message> Terminal::Preauth(const CardInput& card, int64_t amount_minor) {
  return SendBuilt(*this, Request("0100", "030000", card, amount_minor));
}
Result<Message> Terminal::Complete(const CardInput& card, const std::string& reference,
                                   int64_t amount_minor) {
  CardInput no_pin{card.pan, card.expiry, ""};
  auto built = Request("0220", "000000", no_pin, amount_minor);
  if (built.ok()) built->Set(37, reference);
  return SendBuilt(*this, std::move(built));
}
Result<Message> Terminal::Refund(const CardInput& card, const std::string& reference,
                                 int64_t amount_minor) {
  CardInput no_pin{card.pan, card.expiry, ""};
  auto built = Request("0200", "200000", no_pin, amount_minor);
  if (built.ok()) built->Set(37, reference);
  return SendBuilt(*this, std::move(built));
}

Message Terminal::ReversalOf(const Message& original) const {
  Message reversal("0400");
  for (int field : {2, 3, 4, 7, 11, 12, 13, 14, 32, 41, 42, 49}) {
    if (original.Has(field)) reversal.Set(field, original.Get(field));
  }
  // Original MTI, STAN, transmission time, acquirer and forwarding institution (n11 each).
  std::string acquirer = fmt::format("{:0>11}", original.Get(32));
  reversal.Set(90, fmt::format("{}{}{}{}{}", original.mti(), original.Get(11), original.Get(7),
                               acquirer, std::string(11, '0')));
  reversal.Set(39, "98");  // The reason: no response received.
  return reversal;
}

Result<Message> Terminal::Reverse(const Message& original) {
  if (!client_) return Status::Internal("no_connection", "this terminal only builds requests");
  auto response = client_->Exchange(ReversalOf(original));
  if (!response.ok()) return response;
  // A terminal takes back what it had counted as approved.
  auto counted = counted_.find(std::string(original.Get(11)));
  if (response->Get(39) == "00" && counted != counted_.end()) {
    if (counted->second.first) {
      --totals_.debits;
      totals_.debits_minor -= counted->second.second;
    } else {
      --totals_.credits;
      totals_.credits_minor -= counted->second.second;
    }
    counted_.erase(counted);
  }
  return response;
}

Result<Message> Terminal::Settle(int64_t batch, const services::BatchTotals& totals) {
  Message message = Base("0500");
  message.Set(15, message.Get(13));
  message.Set(60, fmt::format("{:06d}", batch));
  message.Set(74, fmt::format("{:010d}", totals.credits));
  message.Set(76, fmt::format("{:010d}", totals.debits));
  message.Set(86, fmt::format("{:016d}", totals.credits_minor));
  message.Set(88, fmt::format("{:016d}", totals.debits_minor));
  if (!client_) return Status::Internal("no_connection", "this terminal only builds requests");
  auto response = client_->Exchange(message);
  if (response.ok() && (response->Get(39) == "00" || response->Get(39) == "95")) {
    totals_ = {};
    counted_.clear();
  }
  return response;
}

}  // namespace ebank::cardhost
