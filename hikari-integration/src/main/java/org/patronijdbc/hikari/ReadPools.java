package org.patronijdbc.hikari;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.internal.Router;
import org.patronijdbc.internal.Routing;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterTopology;
import org.slf4j.LoggerFactory;

/**
 * The read side of {@link PatroniHikariDataSource}: one Hikari pool per member that serves replica
 * reads (each fit replica; the leader when reads fall back to it), and each checkout picks the
 * member by {@code replicaSelection}. So every fit replica gets its share of reads however few
 * threads read (one shared pool hands each thread back its last connection), and a replica that
 * becomes unfit loses its own pool while the others keep theirs. Until Patroni's topology is known
 * (no REST API answered yet), one pool routes as {@code readOnly()} does.
 */
final class ReadPools implements DataSource {

  private static final org.slf4j.Logger log = LoggerFactory.getLogger(ReadPools.class);

  /** How long a checkout waits on one member's pool before it looks at the next one. */
  private static final long SLICE_MS = 500;

  /** How long a retired pool stays open at least: a checkout may have just picked it. */
  private static final long RETIRED_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

  /**
   * How long a member whose pool just failed to produce any connection goes last: a crashed replica
   * that Patroni still lists costs one slice, not one per checkout (as the connector's unreachable
   * mark does for single connects).
   */
  private static final long FAILING_NANOS = TimeUnit.SECONDS.toNanos(5);

  private record Retired(HikariDataSource pool, long sinceNanos) {}

  private final ConcurrentHashMap<String, Long> failingUntil = new ConcurrentHashMap<>();

  private final PatroniDataSource router;
  private final String name;
  private final long connectionTimeoutMs;
  private final int minimumIdle;
  private final Function<String, HikariDataSource> newPool;
  private final Map<String, HikariDataSource> pools = new LinkedHashMap<>(); // guarded by this
  private final Map<String, Retired> retired = new HashMap<>(); // guarded by this
  private Set<String> routable = Set.of(); // guarded by this: members a checkout may use
  private boolean closed; // guarded by this

  /**
   * @param minimumIdle the pools' minimumIdle, given back to a retired pool that is used again
   * @param newPool makes the pool for a member name, or for {@code name} itself: the unpinned one
   */
  ReadPools(
      PatroniDataSource router,
      String name,
      long connectionTimeoutMs,
      int minimumIdle,
      Function<String, HikariDataSource> newPool) {
    this.router = router;
    this.name = name;
    this.connectionTimeoutMs = connectionTimeoutMs;
    this.minimumIdle = minimumIdle;
    this.newPool = newPool;
  }

  /**
   * A read connection from the pool of the fit replica whose turn it is, else the next one's; the
   * leader's only when no replica is fit or every fit replica's pool fails to connect (a busy pool
   * is waited for, not spilled onto the leader). Each wait is at most {@value #SLICE_MS} ms before
   * the route is looked at again, up to the pools' {@code connectionTimeout}.
   */
  @Override
  public Connection getConnection() throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectionTimeoutMs);
    Set<String> cannotConnect = new HashSet<>();
    SQLException last = null;
    while (true) {
      closeIdleRetired();
      Optional<ClusterTopology> topology = router.topology();
      if (topology.isEmpty()) {
        return pool(name).getConnection();
      }
      Router.Route route = Routing.route(router, TargetServerType.REPLICA, topology.get(), true);
      List<String> order = new ArrayList<>();
      route.candidates().forEach(m -> order.add(m.name()));
      if (!failingUntil.isEmpty()) {
        order.sort(Comparator.comparing(this::failingLately)); // stable: turns kept otherwise
      }
      if (route.fallback().isPresent() && cannotConnect.containsAll(order)) {
        order.add(route.fallback().get().name());
      }
      if (order.isEmpty()) {
        throw new SQLTransientConnectionException(
            name + " - no member can serve replica reads now: " + route.unfit(), "08001");
      }
      for (String member : order) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw last != null
              ? last
              : new SQLTransientConnectionException(
                  name + " - no read connection within " + connectionTimeoutMs + " ms", "08001");
        }
        HikariDataSource pool;
        try {
          pool = pool(member);
        } catch (SQLException e) {
          last = e; // left the readers since the route was read
          continue;
        }
        try {
          Connection c = borrow(pool, Math.min(left, SLICE_MS));
          if (!failingUntil.isEmpty()) {
            failingUntil.remove(member);
          }
          return c;
        } catch (SQLException e) {
          last = e;
          if (pool.getHikariPoolMXBean() == null
              || pool.getHikariPoolMXBean().getTotalConnections() == 0) {
            cannotConnect.add(member);
            failingUntil.put(member, System.nanoTime() + FAILING_NANOS);
          }
        }
      }
    }
  }

  /**
   * Follows a new topology: the pools of members that no longer serve reads are retired (their idle
   * connections close now, in-use ones when returned), the others keep theirs. The leader's pool
   * stays only while no replica is fit.
   */
  synchronized void reroute(ClusterTopology topology) {
    Router.Route route;
    try {
      route = Routing.route(router, TargetServerType.REPLICA, topology, false);
    } catch (SQLException e) {
      return; // the data source is closed
    }
    Set<String> readers = new HashSet<>();
    route.candidates().forEach(m -> readers.add(m.name()));
    if (route.onlyFallback()) {
      readers.add(route.fallback().get().name());
    }
    Set<String> all = new HashSet<>();
    route.all().forEach(m -> all.add(m.name()));
    if (!all.equals(routable)) {
      log.info("{} - readers {} -> {}", name, routable, all);
    }
    routable = Set.copyOf(all);
    for (String member : List.copyOf(pools.keySet())) {
      if (!readers.contains(member)) {
        retire(member); // the unpinned pool too: the topology is known now
      }
    }
  }

  /** Every pool in use now, by member (the unpinned one under the read pools' own name). */
  synchronized Map<String, HikariDataSource> pools() {
    return Map.copyOf(pools);
  }

  /** Closes every pool; call after the data source is closed, so no adder waits for a login. */
  void close() {
    List<HikariDataSource> all = new ArrayList<>();
    synchronized (this) {
      closed = true;
      all.addAll(pools.values());
      retired.values().forEach(r -> all.add(r.pool()));
      pools.clear();
      retired.clear();
    }
    all.forEach(HikariDataSource::close);
  }

  private synchronized HikariDataSource pool(String member) throws SQLException {
    if (closed) {
      throw new SQLException(name + " is closed", "08003");
    }
    HikariDataSource pool = pools.get(member);
    if (pool != null) {
      return pool;
    }
    if (!member.equals(name) && !routable.contains(member)) {
      // routed from a topology older than the last reroute: that member left the readers
      throw new SQLTransientConnectionException(
          name + " - " + member + " serves no reads any more", "08001");
    }
    Retired back = retired.remove(member);
    if (back != null && !back.pool().isClosed() && back.pool().getHikariPoolMXBean() != null) {
      pool = back.pool(); // a member fit again before its pool closed: same pool, same metrics
      pool.getHikariConfigMXBean().setMinimumIdle(minimumIdle);
    } else {
      pool = newPool.apply(member);
    }
    pools.put(member, pool);
    return pool;
  }

  private void retire(String member) {
    HikariDataSource pool = pools.remove(member);
    if (pool == null || pool.getHikariPoolMXBean() == null) {
      return;
    }
    log.info("{} - retiring its connections", pool.getPoolName());
    pool.getHikariConfigMXBean().setMinimumIdle(0); // no refill towards a member we left
    pool.getHikariPoolMXBean().softEvictConnections();
    retired.put(member, new Retired(pool, System.nanoTime()));
  }

  /**
   * Closes retired pools that nobody has used for {@link #RETIRED_GRACE_NANOS}; off the caller's
   * thread.
   */
  private void closeIdleRetired() {
    List<HikariDataSource> idle = new ArrayList<>();
    synchronized (this) {
      if (retired.isEmpty()) {
        return;
      }
      long now = System.nanoTime();
      for (Map.Entry<String, Retired> e : List.copyOf(retired.entrySet())) {
        HikariDataSource pool = e.getValue().pool();
        boolean unused =
            pool.getHikariPoolMXBean() == null
                || pool.getHikariPoolMXBean().getActiveConnections() == 0;
        if (unused && now - e.getValue().sinceNanos() > RETIRED_GRACE_NANOS) {
          retired.remove(e.getKey());
          idle.add(pool);
        }
      }
    }
    if (!idle.isEmpty()) {
      Thread closer =
          new Thread(() -> idle.forEach(HikariDataSource::close), "patroni-jdbc-pool-closer");
      closer.setDaemon(true);
      closer.start();
    }
  }

  private boolean failingLately(String member) {
    Long until = failingUntil.get(member);
    return until != null && until - System.nanoTime() > 0;
  }

  private static Connection borrow(HikariDataSource pool, long timeoutMs) throws SQLException {
    if (!pool.isClosed() && pool.getHikariPoolMXBean() instanceof HikariPool p) {
      return p.getConnection(timeoutMs);
    }
    throw new SQLTransientConnectionException(pool.getPoolName() + " is closed", "08003");
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException(
        "the pools use the HikariConfig's credentials; set readOnlyUser for replica reads");
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {
    // logs through SLF4J
  }

  @Override
  public void setLoginTimeout(int seconds) {
    // bounded by the pools' connectionTimeout
  }

  @Override
  public int getLoginTimeout() {
    return (int) TimeUnit.MILLISECONDS.toSeconds(connectionTimeoutMs);
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("patroni-jdbc logs through SLF4J");
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("not a wrapper for " + iface.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }

  @Override
  public String toString() {
    return "ReadPools[" + name + ", " + pools().keySet() + "]";
  }
}
