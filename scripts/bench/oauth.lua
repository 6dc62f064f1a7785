-- wrk script: OAuth endpoint calls (POST, form-encoded) from a pre-made set of bodies
-- (scripts/bench.sh writes it with scripts/bench/oauth.py just before the run). Every body
-- carries a client assertion whose jti the Worker accepts once, so each body is sent once; a
-- run that needs more than the set counts the extra requests as "reused". Environment:
--   BENCH_REQUESTS  the set: one form-encoded body per line
--   BENCH_STATUS    the HTTP status every answer must have (200, 401)
--   BENCH_EXPECT    a string every answer must contain ('"active":true', a refusal's reason)
--   BENCH_THREADS   wrk's -t (thread i sends bodies i, i+T, i+2T, ...)
-- done() prints one line "oauth: answers N unexpected U reused R" and the first unexpected
-- answer, which scripts/bench.sh reads.
local threads = {}
local counter = 0

function setup(thread)
    thread:set("index", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

local reqs, pos, stride, want_status, expect
answers, unexpected, reused, first_bad = 0, 0, 0, ""

function init(args)
    want_status = tonumber(os.getenv("BENCH_STATUS"))
    expect = os.getenv("BENCH_EXPECT")
    stride = tonumber(os.getenv("BENCH_THREADS") or "1")
    reqs = {}
    local n = 0
    for line in io.lines(os.getenv("BENCH_REQUESTS")) do
        if n % stride == index then
            local headers = { ["Host"] = wrk.headers["Host"],
                ["Content-Type"] = "application/x-www-form-urlencoded" }
            table.insert(reqs, wrk.format("POST", wrk.path, headers, line))
        end
        n = n + 1
    end
    pos = 0
end

function request()
    pos = pos + 1
    if pos > #reqs then
        pos = 1
        reused = reused + 1
    elseif reused > 0 then
        reused = reused + 1
    end
    return reqs[pos]
end

function response(status, headers, body)
    answers = answers + 1
    if status ~= want_status or not body:find(expect, 1, true) then
        unexpected = unexpected + 1
        if first_bad == "" then first_bad = status .. " " .. body:sub(1, 300) end
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
    io.write(string.format("oauth: answers %d unexpected %d reused %d\n", a, u, r))
    if bad ~= "" then io.write("oauth-first-unexpected: " .. bad .. "\n") end
end
