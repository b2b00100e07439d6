-- wrk script: file reports through the JSON API, each with its own Idempotency-Key, as a
-- partner system would. Usage (see BENCHMARKS.md):
--   wrk -t2 -c50 -d30s --latency -s bench/intake.lua http://127.0.0.1:8080/api/v1/reports
local body = '{"incident":"kakao-2022-10","business_name":"행복떡집","business_number":"120-81-47521","representative":"김민지","phone":"010-2345-6789","region":"41","district":"수원시","industry":"food","services":["talk-channel","kakao-pay"],"damage_types":["orders_lost"],"damage_start":"2022-10-15","damage_end":"2022-10-17","usual_daily_sales":1500000,"claimed_loss":900000,"description":"톡채널 주문 확인 불가","consent":true}'
local threads = 0
local created, other = 0, 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  n = 0
  prefix = string.format("wrk-%d-%d-", os.time(), tid)
end

function request()
  n = n + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Idempotency-Key"] = prefix .. n}, body)
end

function response(status, headers, body)
  if status ~= 201 then
    other = other + 1
    if other < 5 then print("unexpected status " .. status .. ": " .. body) end
  end
end
