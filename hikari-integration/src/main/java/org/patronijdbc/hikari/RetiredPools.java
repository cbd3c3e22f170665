package org.patronijdbc.hikari;

import com.zaxxer.hikari.HikariDataSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read pools of members that stopped serving reads: their idle connections close at once, in-use
 * ones when returned, and the pool itself once nobody has used it for {@link #GRACE_NANOS} (a
 * checkout may have just picked it), off the caller's thread. A member that serves reads again
 * before that gets its pool back, with its metrics. Guarded by the read pools' lock.
 */
final class RetiredPools {

  private static final Logger log = LoggerFactory.getLogger(RetiredPools.class);

  /** How long a retired pool stays open at least. */
  private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

  private record Retired(HikariDataSource pool, long sinceNanos) {}

  private final Map<String, Retired> retired = new HashMap<>();
  private volatile boolean any;

  /** Retires {@code member}'s {@code pool}: no refill towards a member the reads left. */
  void retire(String member, HikariDataSource pool) {
    if (pool == null || pool.getHikariPoolMXBean() == null) {
      return;
    }
    log.info("{} - retiring its connections", pool.getPoolName());
    pool.getHikariConfigMXBean().setMinimumIdle(0);
    pool.getHikariPoolMXBean().softEvictConnections();
    retired.put(member, new Retired(pool, System.nanoTime()));
    any = true;
  }

  /** {@code member}'s retired pool if it is still open (taken back), else null. */
  HikariDataSource takeBack(String member) {
    Retired back = retired.remove(member);
    return back != null && !back.pool().isClosed() && back.pool().getHikariPoolMXBean() != null
        ? back.pool()
        : null;
  }

  /** Whether any pool is retired (read without the lock, on the checkout path). */
  boolean any() {
    return any;
  }

  /** The retired pools that nobody has used for the grace period, removed from here. */
  List<HikariDataSource> idle() {
    List<HikariDataSource> idle = new ArrayList<>();
    long now = System.nanoTime();
    for (Map.Entry<String, Retired> e : List.copyOf(retired.entrySet())) {
      HikariDataSource pool = e.getValue().pool();
      boolean unused =
          pool.getHikariPoolMXBean() == null
              || pool.getHikariPoolMXBean().getActiveConnections() == 0;
      if (unused && now - e.getValue().sinceNanos() > GRACE_NANOS) {
        retired.remove(e.getKey());
        idle.add(pool);
      }
    }
    any = !retired.isEmpty();
    return idle;
  }

  /** Every retired pool, removed from here (to close them all). */
  List<HikariDataSource> drain() {
    List<HikariDataSource> all = new ArrayList<>();
    retired.values().forEach(r -> all.add(r.pool()));
    retired.clear();
    any = false;
    return all;
  }

  /** Closes {@code pools} on a thread of their own. */
  static void closeLater(List<HikariDataSource> pools) {
    if (pools.isEmpty()) {
      return;
    }
    Thread closer =
        new Thread(() -> pools.forEach(HikariDataSource::close), "patroni-jdbc-pool-closer");
    closer.setDaemon(true);
    closer.start();
  }
}
