-- wrk script: an authenticated GET (the URL is wrk's argument) with the Bearer token that
-- scripts/bench.sh obtained.
wrk.method = "GET"
wrk.headers["authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
