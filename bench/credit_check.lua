-- wrk script: POST /v1/credit-checks for one customer. Environment:
--   CUSTOMER   the customer's id
--   RESERVE    "true" to hold each order (each request a new order_ref), else "false"
--   RUN        a prefix that keeps this run's order_refs apart from earlier runs'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local customer = os.getenv("CUSTOMER")
local reserve = os.getenv("RESERVE") == "true"
local run = os.getenv("RUN") or "0"
local counter = 0

request = function()
  counter = counter + 1
  local order = reserve and string.format("B-%s-%d", run, counter) or "B-CHECK"
  local body = string.format(
    '{"customer":"%s","order_ref":"%s","amount":1,"currency":"EUR","reserve":%s}',
    customer, order, reserve and "true" or "false")
  return wrk.format(nil, nil, nil, body)
end
