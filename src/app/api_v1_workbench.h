// The customer manager's workbench and the back office's registers (CH-CM, BO-4, BO-6,
// BO-7, SVC-3): the customer 360° view, large-fund movements and their thresholds,
// campaigns with leaderboards, and cases (errors, disputes, complaints, inspection
// findings).
#pragma once

#include <boost/json/object.hpp>

#include "app/api_v1.h"
#include "http/router.h"

namespace ebank::app {

// Adds /api/v1/customers/{number}/overview, /api/v1/large-movements...,
// /api/v1/campaigns... and /api/v1/cases...; called by AddApiV1Routes. `api` must outlive
// the router.
void AddWorkbenchRoutes(http::Router& router, const ApiServices& api);

// The OpenAPI schemas these routes name.
boost::json::object WorkbenchSchemas();

}  // namespace ebank::app
