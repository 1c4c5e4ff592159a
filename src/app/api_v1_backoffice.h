// The bank's management routes (BO-2, BO-3, BO-5, CH-CM): customer search, the U-key
// inventory, fee schedules and periodic fee runs, KPIs with targets, drill-down, the
// dormant-customer list and the XLSX export.
#pragma once

#include <boost/json/object.hpp>

#include "app/api_v1.h"
#include "http/router.h"

namespace ebank::app {

// Adds /api/v1/customers?q=, /api/v1/ukeys, /api/v1/fees..., /api/v1/kpis... and
// /api/v1/kpi-targets/...; called by AddApiV1Routes. `api` must outlive the router.
void AddBackOfficeRoutes(http::Router& router, const ApiServices& api);

// The OpenAPI schemas these routes name.
boost::json::object BackOfficeSchemas();

}  // namespace ebank::app
