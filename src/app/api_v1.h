// The public HTTP API, /api/v1: what the bank's own front ends (counter, web, mobile) and
// partners build on. Handlers only translate HTTP and JSON to service calls; every rule
// lives in src/services.
#pragma once

#include <boost/json/object.hpp>

#include "core/clock.h"
#include "http/router.h"
#include "ledger/ledger.h"
#include "security/password_transport.h"
#include "services/cards.h"
#include "services/customers.h"
#include "services/notifications.h"
#include "services/payments.h"
#include "services/sessions.h"
#include "services/signing.h"
#include "services/staff.h"

namespace ebank::app {

struct ApiServices {
  ledger::Ledger& ledger;
  services::CustomerService& customers;
  services::SessionService& sessions;
  services::StaffService& staff;
  services::SigningService& signing;
  services::PaymentService& payments;
  const Clock& clock;
  // The login page's key for encrypting the password (SEC-9).
  security::PasswordTransport& password_transport;
  services::NotificationService& notifications;
  // The card register, terminals and merchants (CARD-1, CARD-2, BO-5).
  services::CardService& cards;
};

// Adds the /api/v1 routes, including /api/v1/openapi.json which describes every route the
// router holds. `api` must outlive the router.
void AddApiV1Routes(http::Router& router, const ApiServices& api);

// The customer-facing routes (/api/v1/sessions, /api/v1/me/...) and the staff routes that
// sign customers up and issue their tools; called by AddApiV1Routes.
void AddCustomerRoutes(http::Router& router, const ApiServices& api);

// Transfer limits: the customer's view and the bank's settings; called by AddApiV1Routes.
void AddLimitRoutes(http::Router& router, const ApiServices& api);

// The customer's security centre: password change, security tools, alert threshold;
// called by AddApiV1Routes.
void AddSecurityRoutes(http::Router& router, const ApiServices& api);

// Scheduled transfers and standing orders (/api/v1/me/scheduled-transfers); called by
// AddApiV1Routes.
void AddScheduledRoutes(http::Router& router, const ApiServices& api);

// The inbox and live balance-change alerts (/api/v1/me/notifications); called by
// AddApiV1Routes.
void AddNotificationRoutes(http::Router& router, const ApiServices& api);

// Cards, terminals and merchants (CARD-1, CARD-2, BO-5): the staff's registers and counter
// card services, and the customer's own cards (/api/v1/me/cards); called by AddApiV1Routes.
void AddCardRoutes(http::Router& router, const ApiServices& api);
// The card `id` of a customer within `staff`'s scope; NotFound "unknown_card" for any
// other, exactly as for one that does not exist (api_v1_cards.cpp).
Result<services::Card> CardInScope(const ApiServices& api, std::optional<int64_t> id,
                                   const services::Staff& staff);
// The OpenAPI schemas the card routes name.
boost::json::object CardSchemas();

// The OpenAPI 3.1 document of every route in `router` that has a summary.
boost::json::object OpenApiDocument(const http::Router& router);

}  // namespace ebank::app
