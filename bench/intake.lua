-- wrk script: file reports through the JSON API, each with its own Idempotency-Key, as a
-- partner system would. Each report is a business of its own (name, valid business number,
-- phone), as in a real intake; run with SAME=1 to file one business over and over instead
-- (every report then a duplicate of the first). Usage (see BENCHMARKS.md):
--   wrk -t2 -c50 -d30s --latency -s bench/intake.lua http://127.0.0.1:8080/api/v1/reports
-- With two app servers, run one wrk for each at once, with WRK_ID=1 and WRK_ID=2.
local template = '{"incident":"kakao-2022-10","business_name":"가게 %d","business_number":"%s","representative":"김민지","phone":"010-%04d-%04d","region":"41","district":"수원시","industry":"food","services":["talk-channel","kakao-pay"],"damage_types":["orders_lost"],"damage_start":"2022-10-15","damage_end":"2022-10-17","usual_daily_sales":1500000,"claimed_loss":%d,"description":"톡채널 주문 확인 불가","consent":true}'
local same = os.getenv("SAME") == "1"
local threads = 0
local other = 0

-- brn returns a valid business registration number (사업자등록번호) from nine digits.
local function brn(n)
  local d = {}
  for i = 9, 1, -1 do d[i] = n % 10; n = math.floor(n / 10) end
  local w = {1, 3, 7, 1, 3, 7, 1, 3, 5}
  local sum = 0
  for i = 1, 9 do sum = sum + d[i] * w[i] end
  sum = sum + math.floor(d[9] * 5 / 10)
  d[10] = (10 - sum % 10) % 10
  return string.format("%d%d%d-%d%d-%d%d%d%d%d", (table.unpack or unpack)(d))
end

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  n = 0
  -- WRK_ID tells apart wrk processes started in the same second (one per app server).
  local id = tonumber(os.getenv("WRK_ID") or "0")
  prefix = string.format("wrk-%d-%d-%d-", id, os.time(), tid)
  base = (id * 10 + tid) * 10000000 + (os.time() % 1000) * 10000
end

function request()
  n = n + 1
  local k = same and 1 or (base + n)
  local body = string.format(template, k, brn(101000000 + (k * 7919) % 898999999), math.floor(k / 10000) % 10000, k % 10000, 100000 + n)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Idempotency-Key"] = prefix .. n}, body)
end

function response(status, headers, body)
  if status ~= 201 then
    other = other + 1
    if other < 5 then print("unexpected status " .. status .. ": " .. body) end
  end
end
