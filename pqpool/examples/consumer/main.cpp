// pqpool_consumer: acquires a lease from a pool on the DSN given as argv[1] (or $PQPOOL_DSN),
// runs one parameterised query and prints the pool's counters. Exits 0 when the answer is
// right, 1 on any error (printed), 77 without a DSN.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <pqpool/pool.hpp>

int main(int argc, char** argv) {
    const char* dsn = argc > 1 ? argv[1] : std::getenv("PQPOOL_DSN");
    if (dsn == nullptr || *dsn == '\0') {
        std::fprintf(stderr, "usage: pqpool_consumer DSN (or PQPOOL_DSN)\n");
        return 77;
    }
    pqpool::PoolOptions options;
    options.conninfo = dsn;
    options.name = "consumer";
    options.max_size = 2;
    auto pool = pqpool::Pool::Create(options);
    if (!pool.ok()) {
        std::fprintf(stderr, "pool: %s\n", pool.error().message().c_str());
        return 1;
    }
    std::string answer;
    {
        auto lease = (*pool)->Acquire(pqpool::Clock::now() + std::chrono::seconds(10),
                                      {"consumer", "example"});
        if (!lease.ok()) {
            std::fprintf(stderr, "acquire: %s\n", lease.error().message().c_str());
            return 1;
        }
        auto rows = lease->Execute("SELECT $1::int + 1", {"41"});
        if (!rows.ok()) {
            std::fprintf(stderr, "query: %s\n", rows.error().message().c_str());
            return 1;
        }
        answer = std::string(rows->Get(0, 0));
    }  // the lease goes back here
    const pqpool::PoolStats stats = (*pool)->Stats();
    std::printf("SELECT 41 + 1 = %s; pool '%s': %zu open, %zu idle, %zu in use\n", answer.c_str(),
                options.name.c_str(), stats.total, stats.idle, stats.in_use);
    return answer == "42" && stats.in_use == 0 ? 0 : 1;
}
