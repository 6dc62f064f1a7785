-- wrk script: POST /v1/sessions with a valid login (credentials from the environment,
-- set by scripts/bench.sh). Successful logins are never throttled.
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}',
    os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD"))
