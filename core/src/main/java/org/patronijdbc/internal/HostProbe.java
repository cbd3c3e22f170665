package org.patronijdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Without Patroni, learns each URL host's role the way libpq does: log in and read {@code
 * in_hot_standby} (PostgreSQL 14+) or {@code pg_is_in_recovery()}. One probe at a time per data
 * source, however many threads need it (they wait for the one under way), at most one per {@code
 * freshMs}; the hosts are probed side by side, each login bounded by the deadline of the caller
 * that started the probe, and hosts the member ledger says just failed are skipped. Lag is unknown
 * this way: probed replicas report lag 0 and serve no reads under a lag limit ({@link Fitness}).
 */
public final class HostProbe {

  private static final Logger log = LoggerFactory.getLogger(HostProbe.class);

  private final List<String> hosts;
  private final String database;
  private final MemberLedger ledger;
  private final Logins logins;
  private final long freshMs;
  private CompletableFuture<ClusterTopology> underWay; // guarded by this
  private ClusterTopology last; // guarded by this
  private long lastAtNanos; // guarded by this

  /**
   * @param freshMs how long a probe's result is used before the next probe
   */
  public HostProbe(
      List<String> hosts, String database, MemberLedger ledger, Logins logins, long freshMs) {
    this.hosts = List.copyOf(hosts);
    this.database = database;
    this.ledger = ledger;
    this.logins = logins;
    this.freshMs = freshMs;
  }

  /**
   * The hosts' roles: a probe's result younger than {@code freshMs}, the probe under way, or a new
   * one; waits at most until {@code deadline}.
   *
   * @throws SQLException the server's own answer when a login fails for a reason no retry fixes
   *     (every host would answer alike); 08001 when the probe does not end in time
   */
  public ClusterTopology probe(Properties props, Deadline deadline) throws SQLException {
    CompletableFuture<ClusterTopology> probe;
    synchronized (this) {
      if (last != null
          && System.nanoTime() - lastAtNanos < TimeUnit.MILLISECONDS.toNanos(freshMs)) {
        return last;
      }
      if (underWay == null) {
        underWay = start(props, deadline);
      }
      probe = underWay;
    }
    try {
      return probe.get(Math.max(0, deadline.remainingMillis()), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw SqlState.NO_FIT_MEMBER.exception(
          "probing the URL's hosts " + hosts + " did not end within the time left", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SqlState.NO_FIT_MEMBER.exception("interrupted while probing the URL's hosts", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SQLException sql) {
        throw sql;
      }
      throw SqlState.NO_FIT_MEMBER.exception("probing the URL's hosts failed: " + e.getCause(), e);
    }
  }

  private CompletableFuture<ClusterTopology> start(Properties props, Deadline deadline) {
    ClassLoader callers = Thread.currentThread().getContextClassLoader();
    List<CompletableFuture<ClusterMember>> each = new ArrayList<>();
    for (String host : hosts) {
      CompletableFuture<ClusterMember> member = new CompletableFuture<>();
      each.add(member);
      Logins.background(
          () -> {
            Thread t = Thread.currentThread();
            t.setContextClassLoader(callers); // what pgjdbc loads by name, it loads as the caller
            try {
              member.complete(probeOne(host, props, deadline));
            } catch (Throwable e) {
              member.completeExceptionally(e);
            } finally {
              t.setContextClassLoader(null);
            }
          });
    }
    CompletableFuture<ClusterTopology> all =
        CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
            .thenApply(
                done -> {
                  List<ClusterMember> members = new ArrayList<>();
                  each.forEach(f -> members.add(f.join()));
                  return new ClusterTopology(
                      "", members, Instant.now(), ClusterTopology.Source.PROBE);
                });
    all.whenComplete(
        (topology, failure) -> {
          synchronized (this) {
            underWay = null;
            if (topology != null) {
              last = topology;
              lastAtNanos = System.nanoTime();
              log.info("no Patroni REST API answers; probed the URL's hosts: {}", topology);
            }
          }
        });
    return all;
  }

  private ClusterMember probeOne(String host, Properties props, Deadline deadline)
      throws SQLException {
    MemberRole role = MemberRole.UNKNOWN;
    String state = "unreachable";
    if (!ledger.mayTry(host, System.nanoTime())) {
      state = "not tried: a login to it failed just before";
    } else {
      try (Connection c = logins.open(host, host, database, props, deadline)) {
        ledger.opened(host);
        ledger.closed(host);
        // asked of the server: a PgBouncer at the address may report a cached in_hot_standby
        role = Logins.isStandby(c, deadline, false) ? MemberRole.REPLICA : MemberRole.LEADER;
        state = "running";
      } catch (SQLException e) {
        if (!SqlState.isRetryableLogin(e)) {
          throw SqlState.loginRefused(host, e);
        }
        if (!Thread.currentThread().isInterrupted()) {
          ledger.failed(host, System.nanoTime());
        }
        log.debug("probe of {} failed: {}", host, e.toString());
      }
    }
    int colon = host.lastIndexOf(':');
    return new ClusterMember(
        host,
        role,
        state,
        host.substring(0, colon),
        Integer.parseInt(host.substring(colon + 1)),
        -1,
        OptionalLong.of(0),
        Map.of(),
        "");
  }
}
