package org.patronijdbc.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.patronijdbc.examples.SpringExample.GreetingService;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/** Each example, run against a real cluster and checked on the server side. */
@PatroniTest
class ExamplesIT {

  private static final String USER = PatroniCluster.SUPERUSER;
  private static final String PASSWORD = PatroniCluster.PASSWORD;

  @Test
  void plainJdbcWritesOnTheLeaderAndReadsOnAReplica(PatroniCluster cluster) throws Exception {
    PlainJdbcExample.Result result =
        PlainJdbcExample.run(cluster.jdbcUrl("postgres"), USER, PASSWORD);

    assertThat(result.write()).isEqualTo(new ServerInfo(cluster.leader().pgPort(), false));
    assertThat(result.read().inRecovery()).isTrue();
  }

  @Test
  void hikariWritesOnTheLeaderAndReadsOnAReplica(PatroniCluster cluster) throws Exception {
    HikariExample.Result result = HikariExample.run(cluster.jdbcUrl("postgres"), USER, PASSWORD);

    assertThat(result.write()).isEqualTo(new ServerInfo(cluster.leader().pgPort(), false));
    assertThat(result.read().inRecovery()).isTrue();
  }

  @Test
  void springRunsReadOnlyTransactionsOnReplicasAndRetriesOneCutByAFailover(PatroniCluster cluster) {
    try (AnnotationConfigApplicationContext context =
        SpringExample.context(cluster.jdbcUrl("postgres"), USER, PASSWORD)) {
      GreetingService service = context.getBean(GreetingService.class);

      assertThat(service.whereDoReadsRun().inRecovery()).isTrue();
      assertThat(service.saveTwo("hello", () -> {}))
          .isEqualTo(new ServerInfo(cluster.leader().pgPort(), false));

      Member candidate = cluster.replicas().get(0);
      AtomicInteger tries = new AtomicInteger();
      ServerInfo saved =
          SpringExample.withRetry(
              3,
              tries,
              () ->
                  service.saveTwo(
                      "across a switchover",
                      () -> {
                        if (tries.get() == 1) {
                          cluster.switchover(candidate);
                        }
                      }));

      assertThat(tries).hasValue(2);
      assertThat(saved).isEqualTo(new ServerInfo(candidate.pgPort(), false));
      assertThat(service.whereDoReadsRun().inRecovery()).isTrue();
    }
  }
}
