// The card host's ISO 8583 channel (CH-ATM, CH-POS): one request message in, its response
// out, no I/O (Boost.Beast's handle_request shape); the TCP server (server.h) owns sockets,
// frames and timeouts. The business rules are the card service's; this file only maps
// messages to its requests and its refusals to response codes.
//
// Messages (ISO 8583:1987 field numbers):
//   0800 network management: 7, 11, 41, 70 (001 sign-on, 002 sign-off, 301 echo).
//   0200 financial: 2 PAN, 3 processing code (31 inquiry, 01 withdrawal, 21 deposit,
//        40 transfer with 103 the payee account, 00 purchase, 20 refund with 37 the
//        original's reference), 4 amount, 11 STAN, 13 local date MMDD, 14 expiry YYMM (or
//        35 track 2), 32 acquirer, 41 terminal, 42 merchant, 49 currency 156, 52 PIN block.
//   0100 pre-authorisation (a hold), 0220 its completion (37 the pre-authorisation's
//        reference).
//   0400/0420 reversal of the transaction with 11/13 (or 90: original MTI, STAN, date).
//   0500 settlement: 41, 60 batch number, 74/76 credits/debits count, 86/88 amounts.
// Responses echo 3, 4, 7, 11, 12, 13, 41, 42, 49 and add 37 reference, 38 authorisation
// code, 39 response code, 54 balances. Thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string_view>

#include "core/metrics.h"
#include "iso8583/iso8583.h"
#include "services/cards.h"

namespace ebank::cardhost {

// Response codes (field 39) of ISO 8583:1987 as China UnionPay uses them.
inline constexpr std::string_view kApproved = "00";
inline constexpr std::string_view kFormatError = "30";

// The response code for a card service outcome.
std::string_view ResponseCode(const Status& status);

struct HostMetrics {
  Counter requests;
  Counter approved;
  Counter declined;
  Counter malformed;
  Histogram latency;
};

class Host {
 public:
  explicit Host(services::CardService& cards) : cards_(cards) {}
  // The response to `request` (never throws; a request the host cannot read is answered
  // with code 30, one it cannot serve with 91 or 96).
  iso8583::Message Handle(const iso8583::Message& request);
  // Handle, holding no thread while the ledger moves money (authorisations); the server
  // runs this one.
  boost::asio::awaitable<iso8583::Message> HandleAsync(const iso8583::Message& request);
  // The answer to bytes that did not unpack: a response with code 30 when their MTI is a
  // request's, else nothing (the connection is then closed).
  static std::optional<iso8583::Message> Malformed(std::string_view bytes);
  HostMetrics& metrics() { return metrics_; }

 private:
  iso8583::Message Network(const iso8583::Message& request, iso8583::Message response);
  iso8583::Message Financial(const iso8583::Message& request, iso8583::Message response);
  // The card service's request in a 0200/0100/0220; nullopt (and code 30 or 12 set) when
  // the message cannot be one.
  static std::optional<services::CardRequest> Decode(const iso8583::Message& request,
                                                     iso8583::Message& response);
  static iso8583::Message Answered(const Result<services::CardResult>& result,
                                   iso8583::Message response);
  void Count(const iso8583::Message& response, std::chrono::steady_clock::time_point started);
  iso8583::Message Reversal(const iso8583::Message& request, iso8583::Message response);
  iso8583::Message Settlement(const iso8583::Message& request, iso8583::Message response);

  services::CardService& cards_;
  HostMetrics metrics_;
};

}  // namespace ebank::cardhost
