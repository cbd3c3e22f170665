package org.patronijdbc.hikari;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import java.util.Objects;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.TopologyEvent;
import org.patronijdbc.TopologyListener;
import org.patronijdbc.routing.Router;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps both pools on the members Patroni says they should use. One rule for both: when the members
 * a pool should use change (the leader for the write pool; the fit replicas, or the leader by
 * fallback, for the read pool), the pool is soft-evicted: idle connections close at once, in-use
 * ones when returned, and the pool refills through routing. Connections to a member that lost the
 * leadership, left, or stopped running are aborted, so threads blocked on a hung member get an
 * error at once.
 */
final class PoolRerouter implements TopologyListener {

  private static final Logger log = LoggerFactory.getLogger(PoolRerouter.class);

  private final PatroniDataSource router;
  private final HikariDataSource writePool;
  private final HikariDataSource readPool;
  private String writeTarget = "";
  private String readTarget = "";

  PoolRerouter(PatroniDataSource router, HikariDataSource writePool, HikariDataSource readPool) {
    this.router = router;
    this.writePool = writePool;
    this.readPool = readPool;
  }

  /** Takes the starting point without evicting anything. */
  synchronized void start(ClusterTopology topology) {
    writeTarget = writeTarget(topology);
    readTarget = readTarget(topology);
  }

  @Override
  public synchronized void onTopologyEvent(TopologyEvent event) {
    ClusterTopology previous = event.previous();
    ClusterTopology current = event.current();
    if (previous != null) {
      for (ClusterMember m : previous.members()) {
        if (lost(m, current)) {
          router.abortConnections(m.name());
        }
      }
    }
    String write = writeTarget(current);
    if (!write.equals(writeTarget)) {
      // Anything handed out while there was no leader went to the leader that is now confirmed.
      if (!writeTarget.isEmpty()) {
        evict(writePool, "leader " + writeTarget + " -> " + (write.isEmpty() ? "none" : write));
      }
      writeTarget = write;
    }
    String read = readTarget(current);
    if (!read.equals(readTarget)) {
      evict(readPool, "readers " + readTarget + " -> " + read);
      readTarget = read;
    }
  }

  /** Whether {@code m}'s connections must go: it lost the leadership, left, or stopped running. */
  private static boolean lost(ClusterMember m, ClusterTopology current) {
    boolean lostLeadership =
        m.role() == MemberRole.LEADER
            && !current.leader().map(l -> l.name().equals(m.name())).orElse(false);
    boolean stopped = current.member(m.name()).map(now -> !now.isRunning()).orElse(true);
    return lostLeadership || stopped;
  }

  private static String writeTarget(ClusterTopology t) {
    return t.leader().map(ClusterMember::name).orElse("");
  }

  private String readTarget(ClusterTopology t) {
    Router.Route route;
    try {
      route = router.route(TargetServerType.REPLICA, t);
    } catch (SQLException e) {
      return readTarget; // only when the data source is closed: nothing to reroute
    }
    if (route.onlyFallback()) {
      return "fallback:" + route.fallback().map(ClusterMember::name).orElse("");
    }
    return String.join(",", route.candidates().stream().map(ClusterMember::name).sorted().toList());
  }

  private static void evict(HikariDataSource pool, String why) {
    if (pool.isClosed() || pool.getHikariPoolMXBean() == null) {
      return;
    }
    log.info("{} - retiring connections ({})", pool.getPoolName(), why);
    Objects.requireNonNull(pool.getHikariPoolMXBean()).softEvictConnections();
  }
}
