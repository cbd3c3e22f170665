package org.patronijdbc.hikari;

import com.zaxxer.hikari.HikariDataSource;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.TopologyChange;
import org.patronijdbc.TopologyListener;
import org.patronijdbc.internal.Fitness;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the pools on the members Patroni says they should use, recomputed from every new topology
 * (not only from named events, so a lag crossing the limit, a tag, a timeline count too). The write
 * pool is soft-evicted whenever its leader changes, also from none to one: idle connections close
 * at once, in-use ones when returned. The read pools follow their own set of members ({@link
 * ReadPools#reroute}). Connections to a member that lost the leadership, left, or stopped running
 * are aborted, and logins under way to it called off, so threads blocked on a hung member get an
 * error at once.
 */
final class PoolRerouter implements TopologyListener {

  private static final Logger log = LoggerFactory.getLogger(PoolRerouter.class);

  private final PatroniDataSource router;
  private final HikariDataSource writePool;
  private final ReadPools readPools;
  private String writeTarget = "";

  PoolRerouter(PatroniDataSource router, HikariDataSource writePool, ReadPools readPools) {
    this.router = router;
    this.writePool = writePool;
    this.readPools = readPools;
  }

  /** Takes the starting point without evicting anything. */
  synchronized void start(ClusterTopology topology) {
    writeTarget = writeTarget(topology);
    readPools.reroute(topology);
  }

  @Override
  public synchronized void onTopologyChange(TopologyChange change) {
    ClusterTopology previous = change.previous();
    ClusterTopology current = change.current();
    if (previous != null) {
      for (ClusterMember m : previous.members()) {
        if (lost(m, previous, current)) {
          router.abortConnections(m.name());
        }
      }
    }
    String write = writeTarget(current);
    if (!write.equals(writeTarget)) {
      evict(writePool, "leader " + or(writeTarget) + " -> " + or(write));
      writeTarget = write;
    }
    readPools.reroute(current);
  }

  /**
   * Whether {@code m}'s connections must be aborted rather than retired: it was the writable leader
   * and is not any more, or it left, or it stopped running.
   */
  private static boolean lost(ClusterMember m, ClusterTopology previous, ClusterTopology current) {
    boolean lostLeadership =
        m.role() == MemberRole.LEADER
            && Fitness.whyNotWritable(m, previous).isEmpty()
            && current
                .member(m.name())
                .flatMap(now -> Fitness.whyNotWritable(now, current))
                .isPresent();
    boolean stopped = current.member(m.name()).map(now -> !now.isRunning()).orElse(true);
    return lostLeadership || stopped;
  }

  private static String writeTarget(ClusterTopology t) {
    return t.leader().map(ClusterMember::name).orElse("");
  }

  private static String or(String member) {
    return member.isEmpty() ? "none" : member;
  }

  private static void evict(HikariDataSource pool, String why) {
    if (pool.isClosed() || pool.getHikariPoolMXBean() == null) {
      return;
    }
    log.info("{} - retiring connections ({})", pool.getPoolName(), why);
    pool.getHikariPoolMXBean().softEvictConnections();
  }
}
