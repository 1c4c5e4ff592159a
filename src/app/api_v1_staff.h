// The staff routes of the organisation and of maker/checker (BO-1, CH-CTR): units, staff
// placement, counter cash and account freezes made by one staff member and approved by
// another.
#pragma once

#include <boost/json/object.hpp>

#include "app/api_v1.h"
#include "http/router.h"

namespace ebank::app {

// Adds /api/v1/units, /api/v1/staff/..., /api/v1/counter/..., /api/v1/accounts/{number}/
// freeze and unfreeze, and /api/v1/approvals; called by AddApiV1Routes. `api` must outlive
// the router.
void AddStaffRoutes(http::Router& router, const ApiServices& api);

// The OpenAPI schemas these routes name.
boost::json::object StaffSchemas();

}  // namespace ebank::app
