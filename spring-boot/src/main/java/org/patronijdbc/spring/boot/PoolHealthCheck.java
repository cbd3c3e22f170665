package org.patronijdbc.spring.boot;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.internal.SqlState;
import org.patronijdbc.topology.ClusterTopology;

/**
 * One side's part of the {@code db} health check: a connection from its pools and where it runs,
 * within a bound of its own ({@code patroni.health.timeout}, 2 s), never the pools' connection
 * timeout: a probe (Kubernetes waits 1 s by default) is answered during a failover too. While the
 * topology shows no running leader the write side reports "failover in progress" (UNKNOWN) at once,
 * without waiting for the new one. A connection that a failover has just ended is no verdict on the
 * pool: the check takes another (up to three) within the bound. The check itself runs on a thread
 * of its own, so that nothing the pool does (HikariCP validates an idle connection for up to its
 * {@code validationTimeout}, 5 s, against a frozen server) holds the answer past the bound; a check
 * still under way is not started again. Failures a failover causes (sessions ended, a pool that
 * gave no connection in time while it refills for the new leader) are UNKNOWN until they have
 * lasted longer than {@code failoverTimeout}; then, and for any other failure, DOWN.
 */
final class PoolHealthCheck {

  private static final int ATTEMPTS = 3;
  private static final ExecutorService CHECKS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "patroni-jdbc-health");
            t.setDaemon(true);
            return t;
          });

  private Future<HealthReport> underWay;

  private final Supplier<Collection<HikariDataSource>> pools;
  private final Supplier<Optional<ClusterTopology>> topology;
  private final boolean writes;
  private final Duration timeout;
  private final Duration failoverTimeout;

  /** Since when (nanos) every check failed the way a failover fails them; 0 while one succeeds. */
  private volatile long transientSince;

  /**
   * @param pools the pools of this side, asked anew at each check (read pools come and go)
   * @param writes whether this is the write side (which needs a leader)
   */
  PoolHealthCheck(
      Supplier<Collection<HikariDataSource>> pools,
      Supplier<Optional<ClusterTopology>> topology,
      boolean writes,
      Duration timeout,
      Duration failoverTimeout) {
    this.pools = pools;
    this.topology = topology;
    this.writes = writes;
    this.timeout = timeout;
    this.failoverTimeout = failoverTimeout;
  }

  /**
   * The {@code db} check's parts: {@code write} (a connection from the write pool) and {@code read}
   * (one from the read pools), each within {@code timeout}.
   */
  static Map<String, PoolHealthCheck> of(PatroniRoutingDataSource routing, Duration timeout) {
    PatroniHikariDataSource dataSource = routing.getPatroniDataSource();
    Duration failover = routing.getFailoverTimeout();
    Supplier<Optional<ClusterTopology>> topology =
        () -> {
          try {
            return dataSource.topology();
          } catch (SQLException e) {
            return Optional.empty();
          }
        };
    Map<String, PoolHealthCheck> sides = new LinkedHashMap<>();
    sides.put(
        "write",
        new PoolHealthCheck(
            () -> List.of(dataSource.writePool()), topology, true, timeout, failover));
    sides.put(
        "read",
        new PoolHealthCheck(
            () -> dataSource.readPools().values(), topology, false, timeout, failover));
    return sides;
  }

  /** The answer within the bound. */
  HealthReport check() {
    if (writes && topology.get().map(t -> t.leader().isEmpty()).orElse(false)) {
      return HealthReport.unknown().withDetail("state", "failover in progress: no leader yet");
    }
    Future<HealthReport> check;
    synchronized (this) {
      if (underWay == null || underWay.isDone()) {
        underWay = CHECKS.submit(this::borrowAndAsk);
      }
      check = underWay;
    }
    try {
      return check.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return HealthReport.unknown()
          .withDetail("state", "no answer within " + timeout + ": failover in progress?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return HealthReport.unknown().withDetail("state", "interrupted");
    } catch (ExecutionException e) {
      return HealthReport.down(e.getCause());
    }
  }

  private HealthReport borrowAndAsk() {
    long deadline = System.nanoTime() + timeout.toNanos();
    SQLException last = null;
    List<HikariDataSource> candidates = List.copyOf(pools.get());
    for (int attempt = 0; attempt < ATTEMPTS * Math.max(1, candidates.size()); attempt++) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0 || candidates.isEmpty()) {
        break;
      }
      HikariDataSource pool = candidates.get(attempt % candidates.size());
      try (Connection c = borrow(pool, left);
          Statement s = c.createStatement()) {
        // a member that drops packets silently must not hold the check past the bound
        c.setNetworkTimeout(Runnable::run, (int) Math.max(1, left));
        ResultSet rs =
            s.executeQuery(
                "SELECT host(inet_server_addr()) || ':' || inet_server_port(),"
                    + " pg_is_in_recovery()");
        rs.next();
        transientSince = 0;
        return HealthReport.up()
            .withDetail("database", "PostgreSQL")
            .withDetail("pool", pool.getPoolName())
            .withDetail("server", rs.getString(1))
            .withDetail("inRecovery", rs.getBoolean(2));
      } catch (SQLException e) {
        last = e;
        if (!sessionEnded(e)) {
          break;
        }
      }
    }
    if (last == null) {
      return HealthReport.unknown()
          .withDetail(
              "state", candidates.isEmpty() ? "no pool yet" : "no answer within " + timeout);
    }
    if (sessionEnded(last)) {
      // what a failover does (sessions ended, a pool refilling for the new leader): UNKNOWN
      // until it has lasted longer than a failover may take
      long now = System.nanoTime();
      long since = transientSince;
      if (since == 0) {
        transientSince = since = now;
      }
      if (now - since <= failoverTimeout.toNanos()) {
        return HealthReport.unknown()
            .withDetail("state", "no connection within " + timeout + ": failover in progress?")
            .withDetail("sqlState", String.valueOf(last.getSQLState()));
      }
    }
    return HealthReport.down(last).withDetail("sqlState", String.valueOf(last.getSQLState()));
  }

  private static Connection borrow(HikariDataSource pool, long timeoutMs) throws SQLException {
    if (!pool.isClosed() && pool.getHikariPoolMXBean() instanceof HikariPool p) {
      return p.getConnection(timeoutMs);
    }
    throw SqlState.CONNECTION_DOES_NOT_EXIST.exception(pool.getPoolName() + " is closed");
  }

  /** A session a failover ended, or a pool that timed out: the next try may well be fine. */
  private static boolean sessionEnded(SQLException e) {
    String state = e.getSQLState();
    SqlState.Meaning meaning = SqlState.meaning(state);
    return state == null
        || meaning == SqlState.Meaning.CONNECTION_LOST
        || meaning == SqlState.Meaning.NOTHING_SENT;
  }
}
