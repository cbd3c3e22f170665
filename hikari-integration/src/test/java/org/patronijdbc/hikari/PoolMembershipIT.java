package org.patronijdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.patronijdbc.hikari.Workload.Op;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/** A cluster of its own, because a member joins it. */
@PatroniTest(isolated = true)
class PoolMembershipIT {

  @Test
  void readConnectionsReachAReplicaThatJoins(PatroniCluster cluster) throws Exception {
    try (PatroniHikariDataSource ds = PoolReroutingIT.dataSource(cluster)) {
      Workload load = new Workload(ds, ds.readOnly(), 0, 8);
      Thread.sleep(500);

      Member added = cluster.addMember();
      Thread.sleep(3000);
      long joined = System.nanoTime();
      Thread.sleep(2000);
      load.close();

      List<Op> reads = load.reads();
      assertThat(reads.stream().filter(o -> o.startNanos() > joined && o.ok()))
          .anyMatch(o -> o.port() == added.pgPort());
      assertThat(reads).filteredOn(Op::ok).allMatch(Op::inRecovery);
      assertThat(reads).allMatch(Op::ok);
    }
  }
}
