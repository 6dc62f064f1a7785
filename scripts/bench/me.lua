-- wrk script: GET /v1/me with the Bearer token that scripts/bench.sh obtained.
wrk.method = "GET"
wrk.headers["authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
