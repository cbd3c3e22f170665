package org.patronijdbc.hikari;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sql.DataSource;
import org.patronijdbc.PatroniConnection;
import org.patronijdbc.internal.Deadline;
import org.patronijdbc.internal.MemberLedger;
import org.patronijdbc.internal.ReadFloor;
import org.patronijdbc.internal.ReadYourWrites;
import org.patronijdbc.internal.Router;
import org.patronijdbc.internal.SqlState;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.slf4j.LoggerFactory;

/**
 * The read side of {@link PatroniHikariDataSource}: one Hikari pool per member that serves replica
 * reads (each fit replica; the leader when reads fall back to it), sharing one budget, the read
 * pool size: each pool holds its share (at least one connection), resized when the readers change.
 * Each checkout picks the member by {@code replicaSelection}, so every fit replica gets its share
 * of reads however few threads read (one shared pool hands each thread back its last connection),
 * and a replica that becomes unfit loses its own pool while the others keep theirs. Until Patroni's
 * topology is known (no REST API answered yet), one pool routes as {@code readOnly()} does.
 *
 * <p>The pools are published once per reroute as one immutable state; a checkout reads it without a
 * lock, and its route is the snapshot's split computed once ({@link Router}).
 */
final class ReadPools implements DataSource {

  private static final org.slf4j.Logger log = LoggerFactory.getLogger(ReadPools.class);

  /** How long a checkout waits on one member's pool before it looks at the next one. */
  private static final long SLICE_MS = 500;

  /**
   * What a checkout reads: the snapshot the pools follow (null before the first), and the pool of
   * each member that serves reads, the leader's too once reads fell back to it.
   */
  private record Published(ClusterTopology topology, Map<String, HikariDataSource> pools) {}

  private final String name;
  private final Router router;
  private final ReadYourWrites writes;
  private final MemberLedger ledger;
  private final long connectionTimeoutMs;
  private final int budget;
  private final int minimumIdle;
  private final Function<String, HikariDataSource> newPool;
  private final DataSource unpinned;
  private volatile Published published;
  private final Map<String, HikariDataSource> pools = new LinkedHashMap<>(); // guarded by this
  private final RetiredPools retired = new RetiredPools(); // guarded by this
  private Set<String> readers = Set.of(); // guarded by this, for the log line
  private boolean closed; // guarded by this

  /**
   * @param budget the read pool size: connections all read pools hold together
   * @param minimumIdle the configured minimumIdle (negative: as large as each pool)
   * @param newPool makes the pool for a member name, or for {@code name} itself: the unpinned one
   */
  ReadPools(
      String name,
      Router router,
      ReadYourWrites writes,
      MemberLedger ledger,
      long connectionTimeoutMs,
      int budget,
      int minimumIdle,
      Function<String, HikariDataSource> newPool) {
    this.name = name;
    this.router = router;
    this.writes = writes;
    this.ledger = ledger;
    this.connectionTimeoutMs = connectionTimeoutMs;
    this.budget = budget;
    this.minimumIdle = minimumIdle;
    this.newPool = newPool;
    HikariDataSource first = newPool.apply(name);
    this.unpinned = first;
    pools.put(name, first);
    published = new Published(null, Map.of(name, first));
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
    ReadFloor checkout = ReadFloor.of(TargetServerType.REPLICA, writes);
    Set<String> cannotConnect = new HashSet<>();
    Set<String> behind = new HashSet<>();
    SQLException last = null;
    while (true) {
      if (retired.any()) {
        List<HikariDataSource> idle;
        synchronized (this) {
          idle = retired.idle();
        }
        RetiredPools.closeLater(idle);
      }
      Published p = published;
      if (p.topology() == null) {
        // routes as readOnly() does; the floor is checked here, as pooled connections were
        // opened under no floor
        Connection c = unpinned.getConnection();
        PatroniConnection member = c.unwrap(PatroniConnection.class);
        if (member.isReadFallback()) {
          checkout.servedByLeader(c);
          return c;
        }
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        if (checkout.admits(member.memberName(), c, Deadline.afterMillis(left))) {
          return c;
        }
        if (deadline - System.nanoTime() <= 0) {
          throw SqlState.NO_FIT_MEMBER.exception(
              name + " - no replica " + ReadFloor.why() + " within " + connectionTimeoutMs + " ms");
        }
        pause(checkout);
        continue;
      }
      Router.Route route = router.route(p.topology(), true);
      List<String> order = new ArrayList<>();
      if (!checkout.leaderOnly()) {
        for (ClusterMember m : ledger.failingLast(route.candidates(), ClusterMember::name, now())) {
          order.add(m.name());
        }
        ReadBudget.idleFirst(order, p.pools());
      }
      Optional<ClusterMember> fallback = route.fallback();
      // the leader serves the reads when every fit replica failed to connect (in this checkout,
      // or lately: a replica that just stopped costs no wait on its pool until Patroni reports
      // it), or, under a read floor, once the replicas had the time to replay it
      long at = now();
      boolean failing = true;
      boolean allOut = true;
      for (String m : order) {
        boolean failed = cannotConnect.contains(m) || ledger.isFailing(m, at);
        failing &= failed;
        allOut &= failed || behind.contains(m);
      }
      if (fallback.isPresent() && allOut && (behind.isEmpty() || !checkout.waiting())) {
        // before replicas that failed lately, which are tried again once it does not answer
        order.add(failing ? 0 : order.size(), fallback.get().name());
      }
      if (order.isEmpty()) {
        throw SqlState.NO_FIT_MEMBER.exception(
            name
                + " - no member can serve replica reads now: "
                + route.unfit()
                + (checkout.leaderOnly()
                    ? " (only the leader has this thread's last commit)"
                    : ""));
      }
      behind.clear();
      for (String member : order) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw last != null
              ? last
              : SqlState.NO_FIT_MEMBER.exception(
                  name + " - no read connection within " + connectionTimeoutMs + " ms");
        }
        HikariDataSource pool = p.pools().get(member);
        if (pool == null) {
          pool = fallbackPool(p, member);
          if (pool == null) {
            continue; // the readers changed since this route was read
          }
        }
        Connection c;
        try {
          c = borrow(pool, Math.min(left, SLICE_MS));
        } catch (SQLException e) {
          last = e;
          if (pool.getHikariPoolMXBean() == null
              || pool.getHikariPoolMXBean().getTotalConnections() == 0) {
            // no connection at all within a slice: the member is down or hung
            cannotConnect.add(member);
            ledger.failed(member, now());
          }
          continue;
        }
        if (route.isFallback(member)) {
          checkout.servedByLeader(c);
          return c;
        }
        if (checkout.admits(member, c, Deadline.afterMillis(Math.max(1, left)))) {
          return c;
        }
        behind.add(member);
      }
      if (!behind.isEmpty()) {
        if (fallback.isEmpty() && !checkout.waiting()) {
          throw SqlState.NO_FIT_MEMBER.exception(
              name
                  + " - no replica replayed the position this read must see within"
                  + " readYourWritesTimeoutMs, and readFallbackToPrimary=false keeps it off the"
                  + " leader");
        }
        pause(checkout); // replicas replay in milliseconds
      }
    }
  }

  private static void pause(ReadFloor checkout) throws SQLException {
    try {
      checkout.pause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SqlState.NO_FIT_MEMBER.exception("interrupted while waiting for a replica", e);
    }
  }

  /**
   * Follows a new topology: the pools of members that no longer serve reads are retired (their idle
   * connections close now, in-use ones when returned), the others keep theirs, new readers get
   * theirs, and the budget is shared anew. The leader's pool stays only while no replica is fit.
   */
  synchronized void reroute(ClusterTopology topology) {
    if (closed) {
      return;
    }
    Router.Route route = router.route(topology, false);
    List<String> now = new ArrayList<>();
    route.candidates().forEach(m -> now.add(m.name()));
    if (route.onlyFallback()) {
      now.add(route.fallback().get().name());
    }
    if (!Set.copyOf(now).equals(readers)) {
      log.info(
          "{} - replica reads {} -> {}{}",
          name,
          readers,
          now,
          route.onlyFallback() ? " (the leader: no replica is fit)" : "");
      readers = Set.copyOf(now);
    }
    for (String member : List.copyOf(pools.keySet())) {
      if (!readers.contains(member)) {
        retired.retire(member, pools.remove(member)); // the unpinned one too: the topology is known
      }
    }
    for (String member : now) {
      pools.computeIfAbsent(member, this::revive);
    }
    publish(topology);
  }

  /** The leader's pool for reads that fall back because every fit replica failed to connect. */
  private synchronized HikariDataSource fallbackPool(Published seen, String member) {
    if (closed || published != seen) {
      return published.pools().get(member); // rerouted meanwhile: its pools decide
    }
    pools.computeIfAbsent(member, this::revive);
    publish(seen.topology());
    return pools.get(member);
  }

  /** Shares the budget among the pools in use and publishes them for checkouts. */
  private void publish(ClusterTopology topology) {
    ReadBudget.shares(List.copyOf(pools.keySet()), budget)
        .forEach((member, share) -> ReadBudget.resize(pools.get(member), share, minimumIdle));
    published = new Published(topology, Map.copyOf(pools));
  }

  /** A retired pool of {@code member} that is still open, else a new one. */
  private HikariDataSource revive(String member) {
    HikariDataSource back = retired.takeBack(member);
    return back != null ? back : newPool.apply(member);
  }

  /** Every pool in use now, by member (the unpinned one under the read pools' own name). */
  Map<String, HikariDataSource> pools() {
    return published.pools();
  }

  /** Closes every pool; call after the data source is closed, so no adder waits for a login. */
  void close() {
    List<HikariDataSource> all = new ArrayList<>();
    synchronized (this) {
      closed = true;
      all.addAll(pools.values());
      all.addAll(retired.drain());
      pools.clear();
      published = new Published(published.topology(), Map.of());
    }
    all.forEach(HikariDataSource::close);
  }

  private static long now() {
    return System.nanoTime();
  }

  private static Connection borrow(HikariDataSource pool, long timeoutMs) throws SQLException {
    if (!pool.isClosed() && pool.getHikariPoolMXBean() instanceof HikariPool p) {
      return p.getConnection(timeoutMs);
    }
    throw SqlState.CONNECTION_DOES_NOT_EXIST.exception(pool.getPoolName() + " is closed");
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw SqlState.FEATURE_NOT_SUPPORTED.exception(
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
  public java.util.logging.Logger getParentLogger() throws SQLFeatureNotSupportedException {
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
