-- wrk script: signed sandbox gateway calls from a pre-signed request set (scripts/bench.sh
-- writes it with scripts/bench/gateway.py just before the run; the gateway refuses
-- Request-Times more than 5 minutes old). Environment:
--   BENCH_REQUESTS  the set: CLIENT-ID TAB REQUEST-TIME TAB SIGNATURE TAB BODY per line
--                   (an empty field is a header not sent)
--   BENCH_EXPECT    the resultCode every answer must carry (SUCCESS, SIGNATURE_INVALID, ...)
--   BENCH_SIGNED    1: every answer must carry a signature header; 0: none may
--   BENCH_ONCE      1: each request may be sent once (pay: fresh paymentRequestIds); a run
--                   that needs more than the set counts them as "reused"
--   BENCH_THREADS   wrk's -t (thread i sends requests i, i+T, i+2T, ...)
-- done() prints one line "gateway: answers N unexpected U reused R" and the first unexpected
-- answer, which scripts/bench.sh reads.
local threads = {}
local counter = 0

function setup(thread)
    thread:set("index", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

local reqs, pos, stride
local expect, signed, once
answers, unexpected, reused, first_bad = 0, 0, 0, ""

function init(args)
    expect = '"resultCode":"' .. os.getenv("BENCH_EXPECT") .. '"'
    signed = os.getenv("BENCH_SIGNED") == "1"
    once = os.getenv("BENCH_ONCE") == "1"
    stride = tonumber(os.getenv("BENCH_THREADS") or "1")
    reqs = {}
    local n = 0
    for line in io.lines(os.getenv("BENCH_REQUESTS")) do
        if n % stride == index then
            local client, time, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
            local headers = { ["Host"] = wrk.headers["Host"],
                ["Content-Type"] = "application/json; charset=UTF-8" }
            if client ~= "" then headers["Client-Id"] = client end
            if time ~= "" then headers["Request-Time"] = time end
            if sig ~= "" then headers["Signature"] = sig end
            table.insert(reqs, wrk.format("POST", wrk.path, headers, body))
        end
        n = n + 1
    end
    pos = 0
end

function request()
    pos = pos + 1
    if pos > #reqs then
        pos = 1
        if once then reused = reused + 1 end
    elseif once and reused > 0 then
        reused = reused + 1
    end
    return reqs[pos]
end

function response(status, headers, body)
    answers = answers + 1
    local has_sig = false
    for name, _ in pairs(headers) do
        if name:lower() == "signature" then has_sig = true end
    end
    if status ~= 200 or not body:find(expect, 1, true) or has_sig ~= signed then
        unexpected = unexpected + 1
        if first_bad == "" then
            first_bad = status .. " signed=" .. tostring(has_sig) .. " " .. body:sub(1, 300)
        end
    end
end

function done(summary, latency, requests)
    local a, u, r, bad = 0, 0, 0, ""
    for _, t in ipairs(threads) do
        a = a + t:get("answers")
        u = u + t:get("unexpected")
        r = r + t:get("reused")
        if bad == "" then bad = t:get("first_bad") end
    end
    io.write(string.format("gateway: answers %d unexpected %d reused %d\n", a, u, r))
    if bad ~= "" then io.write("gateway-first-unexpected: " .. bad .. "\n") end
end
