// A terminal's side of the card host protocol, for `ebank atm`, `ebank pos`, the load
// generator and the tests: a blocking TCP client speaking framed ISO 8583, and a terminal
// that builds each request as an ATM or POS would (its STAN counter, PIN blocks encrypted
// under its PIN key, reversals with field 90). Not thread-safe: one per thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "iso8583/iso8583.h"
#include "security/card.h"
#include "services/cards.h"

namespace ebank::cardhost {

class Client {
 public:
  // Connects to host:port; every later read waits at most `timeout_ms`.
  static Result<std::unique_ptr<Client>> Connect(const std::string& host, uint16_t port,
                                                 int timeout_ms = 10000,
                                                 const iso8583::Spec* spec = nullptr);
  Status Send(const iso8583::Message& message);
  // Writes `bytes` as they are (tests of what the host refuses).
  Status SendRaw(std::string_view bytes);
  // Unavailable "timeout" when nothing came within the timeout, "closed" when the host
  // closed the connection.
  Result<iso8583::Message> Receive();
  Result<iso8583::Message> Exchange(const iso8583::Message& request);

 private:
  Client(int timeout_ms, const iso8583::Spec& spec);
  Status ReadExactly(std::string& out, size_t bytes);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  int timeout_ms_;
  const iso8583::Spec& spec_;
};

// What the card holder brings: the card (PAN and expiry, as on the magnetic stripe or chip)
// and the PIN they type.
struct CardInput {
  std::string pan;
  std::string expiry;  // YYMM
  std::string pin;
};

class Terminal {
 public:
  // `merchant_code` for a POS, "" for an ATM; `pin_key_hex` the terminal's PIN key.
  Terminal(Client& client, std::string terminal_code, std::string merchant_code,
           std::string pin_key_hex,
           std::string acquirer = std::string(services::kOwnInstitutionCode));
  // A terminal that only builds requests (Request, ReversalOf) for someone else to send.
  Terminal(std::string terminal_code, std::string merchant_code, std::string pin_key_hex,
           std::string acquirer = std::string(services::kOwnInstitutionCode));

  Result<iso8583::Message> SignOn();
  Result<iso8583::Message> Echo();
  // The request messages, built but not sent (a test may send one twice, or not at all).
  Result<iso8583::Message> Request(std::string_view mti, std::string_view processing,
                                   const CardInput& card, int64_t amount_minor);
  Result<iso8583::Message> Inquiry(const CardInput& card);
  Result<iso8583::Message> Withdraw(const CardInput& card, int64_t amount_minor);
  Result<iso8583::Message> Deposit(const CardInput& card, int64_t amount_minor);
  Result<iso8583::Message> Transfer(const CardInput& card, const std::string& to_account,
                                    int64_t amount_minor);
  Result<iso8583::Message> Purchase(const CardInput& card, int64_t amount_minor);
  Result<iso8583::Message> Preauth(const CardInput& card, int64_t amount_minor);
  Result<iso8583::Message> Complete(const CardInput& card, const std::string& reference,
                                    int64_t amount_minor);
  Result<iso8583::Message> Refund(const CardInput& card, const std::string& reference,
                                  int64_t amount_minor);
  // 0400 for `original` (a request this terminal sent), as after a timeout.
  iso8583::Message ReversalOf(const iso8583::Message& original) const;
  Result<iso8583::Message> Reverse(const iso8583::Message& original);
  Result<iso8583::Message> Settle(int64_t batch, const services::BatchTotals& totals);

  // Sends `request` and reads its response.
  Result<iso8583::Message> Send(const iso8583::Message& request);
  std::string NextStan();
  // Keeps the STAN counter in `path` (as a terminal keeps it across restarts, so that a
  // restarted terminal never repeats a STAN the host saw today): read now, written with
  // every STAN drawn.
  void KeepStanIn(std::string path);
  const iso8583::Message& last_request() const { return last_request_; }
  // Totals of what this terminal had approved since the last Settle (as a terminal keeps).
  const services::BatchTotals& totals() const { return totals_; }

 private:
  iso8583::Message Base(std::string_view mti);

  Client* client_;  // nullptr: builds requests only.
  std::string terminal_code_;
  std::string merchant_code_;
  std::optional<security::PinKey> pin_key_;
  std::string acquirer_;
  int stan_ = 0;
  std::string stan_file_;
  iso8583::Message last_request_;
  services::BatchTotals totals_;
  // What was counted in totals_, by STAN: debit or credit, and the amount.
  std::map<std::string, std::pair<bool, int64_t>> counted_;
};

}  // namespace ebank::cardhost
