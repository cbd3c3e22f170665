package org.patronijdbc.hikari;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.routing.Router;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
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

  /** How long a checkout waits on one member's pool before it tries the next one. */
  private static final long SLICE_MS = 500;

  private final PatroniDataSource router;
  private final String name;
  private final long connectionTimeoutMs;
  private final Function<String, HikariDataSource> newPool;
  private final Map<String, HikariDataSource> pools = new LinkedHashMap<>(); // guarded by this
  private final Set<HikariDataSource> retired = new HashSet<>(); // guarded by this
  private Set<String> targets = Set.of(); // guarded by this
  private boolean closed; // guarded by this

  /**
   * @param newPool makes the pool for a member name, or for {@code name} itself: the unpinned one
   */
  ReadPools(
      PatroniDataSource router,
      String name,
      long connectionTimeoutMs,
      Function<String, HikariDataSource> newPool) {
    this.router = router;
    this.name = name;
    this.connectionTimeoutMs = connectionTimeoutMs;
    this.newPool = newPool;
  }

  /** A read connection from the pool of the member whose turn it is, else the next one's. */
  @Override
  public Connection getConnection() throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectionTimeoutMs);
    Optional<ClusterTopology> topology = router.topology();
    if (topology.isEmpty()) {
      return pool(name).getConnection();
    }
    closeIdleRetired();
    Router.Route route = router.route(TargetServerType.REPLICA, topology.get());
    List<ClusterMember> order = new ArrayList<>(route.candidates());
    route.fallback().ifPresent(order::add);
    if (order.isEmpty()) {
      throw new SQLTransientConnectionException(
          name + " - no member can serve replica reads now: " + route.unfit(), "08001");
    }
    SQLException last = null;
    for (int i = 0; i < order.size(); i++) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        break;
      }
      long wait = i == order.size() - 1 ? left : Math.min(left, SLICE_MS);
      try {
        return poolOf(pool(order.get(i).name())).getConnection(wait);
      } catch (SQLException e) {
        last = e;
      }
    }
    throw last != null
        ? last
        : new SQLTransientConnectionException(
            name + " - no read connection within " + connectionTimeoutMs + " ms", "08001");
  }

  /**
   * Follows a new topology: the pools of members that no longer serve reads are retired (their idle
   * connections close now, in-use ones when returned), the others keep theirs.
   */
  synchronized void reroute(ClusterTopology topology) {
    Router.Route route;
    try {
      route = router.route(TargetServerType.REPLICA, topology);
    } catch (SQLException e) {
      return; // the data source is closed
    }
    Set<String> now = new HashSet<>();
    route.candidates().forEach(m -> now.add(m.name()));
    route.fallback().ifPresent(m -> now.add(m.name()));
    if (!now.equals(targets)) {
      log.info("{} - readers {} -> {}", name, targets, now);
    }
    targets = Set.copyOf(now);
    for (String member : List.copyOf(pools.keySet())) {
      if (!member.equals(name) && !now.contains(member)) {
        retire(member);
      }
    }
    if (pools.containsKey(name)) {
      retire(name); // the topology is known now: the unpinned pool is not needed any more
    }
  }

  /** Every pool in use now, by member (the unpinned one under the read pools' own name). */
  synchronized Map<String, HikariDataSource> pools() {
    return Map.copyOf(pools);
  }

  synchronized void close() {
    closed = true;
    pools.values().forEach(HikariDataSource::close);
    retired.forEach(HikariDataSource::close);
    pools.clear();
    retired.clear();
  }

  private synchronized HikariDataSource pool(String member) throws SQLException {
    if (closed) {
      throw new SQLException(name + " is closed", "08003");
    }
    HikariDataSource pool = pools.get(member);
    if (pool == null && !member.equals(name) && !targets.contains(member)) {
      // routed from a topology older than the last reroute: that member left the readers
      throw new SQLTransientConnectionException(
          name + " - " + member + " serves no reads any more", "08001");
    }
    if (pool == null) {
      pool = newPool.apply(member);
      pools.put(member, pool);
    }
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
    retired.add(pool);
  }

  /** Closes retired pools once nobody holds one of their connections; off the caller's thread. */
  private void closeIdleRetired() {
    List<HikariDataSource> idle = new ArrayList<>();
    synchronized (this) {
      if (retired.isEmpty()) {
        return;
      }
      for (HikariDataSource pool : List.copyOf(retired)) {
        if (pool.getHikariPoolMXBean() == null
            || pool.getHikariPoolMXBean().getActiveConnections() == 0) {
          retired.remove(pool);
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

  private static HikariPool poolOf(HikariDataSource pool) throws SQLException {
    if (pool.getHikariPoolMXBean() instanceof HikariPool p) {
      return p;
    }
    throw new SQLException(pool.getPoolName() + " is closed", "08003");
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
