-- Shared by every workload: counts responses by status and prints one JSON summary line.
-- BENCH_MODE=post makes each request a new comment with a unique body (no 409 duplicates), posted as the
-- widget posts: with a form token, the one each 201 answer carries (a thread asks POST /api/v1/form-tokens
-- only while it has none to spare, about once per connection), each wrk thread on its own article;
-- BENCH_ETAG adds If-None-Match for the conditional workload (R304).
local mode = os.getenv("BENCH_MODE") or "get"
local etag = os.getenv("BENCH_ETAG")
local site = os.getenv("BENCH_SITE") or "news.example"
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
-- The first byte of the posting readers' addresses: W3-OPEN's readers are not W3's (a client's recent
-- posts decide whether it is asked for proof of work).
local network = tonumber(os.getenv("BENCH_NETWORK") or "10")
-- Each wrk run of the bench (BENCH_RUN) posts from addresses of its own, so no reader posts again in a
-- later round (an address with recent posts is asked for proof of work).
local run = tonumber(os.getenv("BENCH_RUN") or "0")
local articles = {}
for article in string.gmatch(os.getenv("BENCH_ARTICLES") or "", "[^,]+") do
  table.insert(articles, article)
end

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  counter = 0
  if etag then
    wrk.headers["If-None-Match"] = etag
  end
end

if mode == "post" then
  local chinese = {"这篇报道写得很清楚", "我不太同意作者的观点", "希望有关部门尽快回应", "感谢记者的深入调查"}
  -- Each body is its reader's own words (drawn per request), so flood detection sees no copies.
  local words = {"alliance", "treaty", "summit", "budget", "minister", "election", "trade", "border", "energy",
    "housing", "schools", "transit", "river", "harbour", "tariffs", "wages", "farmers", "rainfall", "vaccine",
    "museum", "stadium", "council", "courts", "police", "airport", "bridge", "rents", "pensions", "startups",
    "reporters", "sources", "numbers", "history", "weather", "markets", "exports", "villages", "students"}
  local seed = 0
  local function word()
    seed = (seed * 16807) % 2147483647
    return words[math.floor(seed / 65536) % #words + 1]
  end
  tokens = {}
  -- A form token is for one article, so each wrk thread posts to its own one of the articles.
  function thread_article()
    return articles[(thread_id % #articles) + 1]
  end
  function request()
    local token = table.remove(tokens)
    if not token then
      return wrk.format("POST", "/api/v1/form-tokens", {["Content-Type"] = "application/json"},
        string.format('{"site":"%s","article":"%s"}', site, thread_article()))
    end
    counter = counter + 1
    seed = (counter * 7919 + thread_id * 104729 + run * 15485863) % 2147483647 + 1
    local own = {}
    for n = 1, 9 do own[n] = word() end
    local body = string.format(
      '{"site":"%s","article":"%s","title":"Bench story","name":"压测读者","body":"%s. %s (%s-%d-%d)","form_token":"%s"}',
      site, thread_article(), chinese[(counter % #chinese) + 1], table.concat(own, " "), nonce, thread_id, counter, token)
    -- Another reader's address each time (the server trusts one proxy hop), as on a real site.
    local address = string.format("%d.%d.%d.%d", network, (run * 16 + thread_id) % 256, math.floor(counter / 256) % 256, counter % 256)
    return wrk.format("POST", "/api/v1/comments", {["Content-Type"] = "application/json", ["X-Forwarded-For"] = address}, body)
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if mode == "post" and body then
    local token = string.match(body, '"form_token":"([^"]+)"')
    if token then table.insert(tokens, token) end
  end
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(totals) do
    table.insert(parts, string.format('"%d":%d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.timeout, table.concat(parts, ",")))
end
