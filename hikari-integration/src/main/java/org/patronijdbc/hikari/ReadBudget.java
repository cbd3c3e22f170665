package org.patronijdbc.hikari;

import com.zaxxer.hikari.HikariDataSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the read pool size is shared among the members' read pools ({@link ReadPools}): each pool's
 * share, a pool resized to its share, and which pools a checkout asks first.
 */
final class ReadBudget {

  private ReadBudget() {}

  /**
   * The pools' shares of {@code budget}: as even as it goes, the first members taking the
   * remainder, at least one each (so with more readers than the budget the total passes it).
   */
  static Map<String, Integer> shares(List<String> members, int budget) {
    Map<String, Integer> shares = new LinkedHashMap<>();
    int n = members.size();
    for (int i = 0; i < n; i++) {
      shares.put(members.get(i), Math.max(1, budget / n + (i < budget % n ? 1 : 0)));
    }
    return shares;
  }

  /**
   * Sets {@code pool}'s maximum to {@code share} and its minimumIdle to the configured one
   * (negative: as large as the share), at most the share.
   */
  static void resize(HikariDataSource pool, int share, int minimumIdle) {
    if (pool.getHikariPoolMXBean() == null || pool.getMaximumPoolSize() == share) {
      return;
    }
    boolean shrinking = share < pool.getMaximumPoolSize();
    pool.getHikariConfigMXBean().setMaximumPoolSize(share);
    pool.getHikariConfigMXBean()
        .setMinimumIdle(minimumIdle < 0 ? share : Math.min(minimumIdle, share));
    if (shrinking && pool.getHikariPoolMXBean().getTotalConnections() > share) {
      // Hikari closes no connection for a smaller maximum: the pool refills to its share
      pool.getHikariPoolMXBean().softEvictConnections();
    }
  }

  /**
   * Moves the members whose pool is busy (all its connections checked out) behind the others, each
   * group in the turn's order: with the budget shared, a busy replica's pool is not waited for
   * while another replica's has a connection free or may open one.
   */
  static void idleFirst(List<String> order, Map<String, HikariDataSource> pools) {
    if (order.size() < 2) {
      return;
    }
    List<String> busy = new ArrayList<>();
    order.removeIf(
        m -> {
          HikariDataSource pool = pools.get(m);
          var mx = pool == null ? null : pool.getHikariPoolMXBean();
          // busy: every connection it may hold is open and checked out (a pool that may still
          // open one, a new or rejoined replica's, is not: it fills as it is asked)
          boolean full =
              mx != null
                  && mx.getIdleConnections() == 0
                  && mx.getTotalConnections() >= pool.getMaximumPoolSize();
          return full && busy.add(m);
        });
    order.addAll(busy);
  }
}
