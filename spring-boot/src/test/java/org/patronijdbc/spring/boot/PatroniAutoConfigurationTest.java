package org.patronijdbc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.micrometer.PatroniMetrics;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.health.DataSourceHealthContributorAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionManagerCustomizationAutoConfiguration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.jdbc.support.SQLExceptionTranslator;

/**
 * When the auto-configuration applies, what it builds from the properties, and when it backs off.
 * The REST API is a fake (no PostgreSQL is reached: the pools start without connecting).
 */
class PatroniAutoConfigurationTest {

  private MockWebServer rest;
  private final AtomicReference<String> cluster = new AtomicReference<>();

  @BeforeEach
  void startRest() throws IOException {
    cluster.set(cluster("n1"));
    rest = new MockWebServer();
    rest.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().body(cluster.get()).build();
          }
        });
    rest.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stopRest() {
    rest.close();
  }

  /** n1, n2, n3 on closed ports of 127.0.0.1; {@code leader} leads (none when empty). */
  static String cluster(String leader) {
    StringBuilder members = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      String name = "n" + i;
      members
          .append(i == 1 ? "" : ",")
          .append("{\"name\": \"")
          .append(name)
          .append("\", \"role\": \"")
          .append(name.equals(leader) ? "leader" : "replica")
          .append("\", \"state\": \"")
          .append(name.equals(leader) ? "running" : "streaming")
          .append("\", \"host\": \"127.0.0.1\", \"port\": ")
          .append(1 + i)
          .append(", \"timeline\": 1")
          .append(name.equals(leader) ? "" : ", \"lag\": 0")
          .append("}");
    }
    return "{\"scope\": \"demo\", \"members\": [" + members + "]}";
  }

  private ApplicationContextRunner runner() {
    return bare()
        .withConfiguration(
            AutoConfigurations.of(
                DataSourceHealthContributorAutoConfiguration.class,
                JdbcTemplateAutoConfiguration.class));
  }

  /** Only the auto-configurations patroni-jdbc depends on (none of Boot's health). */
  private ApplicationContextRunner bare() {
    return new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                PatroniDataSourceAutoConfiguration.class,
                PatroniActuatorAutoConfiguration.class,
                PatroniHealthAutoConfiguration.class,
                DataSourceAutoConfiguration.class))
        .withPropertyValues(
            "spring.datasource.url=jdbc:patroni:postgresql://127.0.0.1:2,127.0.0.1:3/app"
                + "?patroniUrls=http://127.0.0.1:"
                + rest.getPort(),
            "spring.datasource.username=app",
            "spring.datasource.password=secret",
            // no PostgreSQL here: the pools must start without a connection
            "spring.datasource.hikari.initialization-fail-timeout=-1");
  }

  @Test
  void aPatroniUrlGivesTheRoutingDataSourceOverBothPools() {
    runner()
        .withPropertyValues(
            "spring.datasource.hikari.maximum-pool-size=7",
            "spring.datasource.hikari.connection-timeout=250",
            "patroni.read-pool-size=3")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              DataSource ds = context.getBean(DataSource.class);
              assertThat(ds).isInstanceOf(PatroniRoutingDataSource.class);
              PatroniHikariDataSource patroni = ds.unwrap(PatroniHikariDataSource.class);
              assertThat(patroni.writePool().getPoolName()).isEqualTo("demo-write");
              assertThat(patroni.writePool().getMaximumPoolSize()).isEqualTo(7);
              awaitLeader(patroni);
              // a read makes the read pools (nothing answers on their ports: it fails)
              assertThatThrownBy(() -> patroni.readOnly().getConnection().close())
                  .isInstanceOf(SQLException.class);
              // the read budget, 3, shared by the members that serve reads
              assertThat(patroni.readPools().values())
                  .isNotEmpty()
                  .allSatisfy(p -> assertThat(p.getPoolName()).startsWith("demo-read"));
              assertThat(
                      patroni.readPools().values().stream()
                          .mapToInt(p -> p.getMaximumPoolSize())
                          .sum())
                  .isEqualTo(3);
              assertThat(context.getBean(JdbcTemplate.class).getExceptionTranslator())
                  .isInstanceOf(PatroniSqlExceptionTranslator.class);
              assertThat(context).hasSingleBean(SQLExceptionTranslator.class);
            });
  }

  @Test
  void patroniPropertiesReachTheDataSource() {
    runner()
        .withPropertyValues("patroni.scope=another-cluster")
        .run(
            context -> {
              // pinned to another scope, the data source ignores the only answer it gets
              PatroniHikariDataSource patroni =
                  context.getBean(DataSource.class).unwrap(PatroniHikariDataSource.class);
              assertThat(patroni.topology()).isEmpty();
            });
  }

  @Test
  void otherUrlsAreLeftToSpringBoot() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                PatroniDataSourceAutoConfiguration.class, DataSourceAutoConfiguration.class))
        .withPropertyValues("spring.datasource.url=jdbc:postgresql://127.0.0.1:2/app")
        .run(
            context -> {
              assertThat(context).hasSingleBean(DataSource.class);
              assertThat(context.getBean(DataSource.class)).isInstanceOf(HikariDataSource.class);
              assertThat(context).doesNotHaveBean(PatroniHikariDataSource.class);
            });
  }

  @Test
  void anApplicationsOwnDataSourceWins() {
    runner()
        .withBean("dataSource", DataSource.class, DriverManagerDataSource::new)
        .run(
            context -> {
              assertThat(context).hasSingleBean(DataSource.class);
              assertThat(context).doesNotHaveBean(PatroniRoutingDataSource.class);
              assertThat(context).doesNotHaveBean("patroniHealthIndicator");
            });
  }

  @Test
  void healthChecksTheClusterAndBothPools() {
    runner()
        .run(
            context -> {
              HealthIndicator patroni =
                  context.getBean("patroniHealthIndicator", HealthIndicator.class);
              awaitLeader(context.getBean(DataSource.class).unwrap(PatroniHikariDataSource.class));
              assertThat(patroni.health().getStatus()).isEqualTo(Status.UP);
              assertThat(patroni.health().getDetails()).containsEntry("leader", "n1");
              CompositeHealthContributor db =
                  context.getBean("dbHealthContributor", CompositeHealthContributor.class);
              // no PostgreSQL behind the fake REST API: each side answers, within its bound
              for (String side : List.of("write", "read")) {
                long started = System.nanoTime();
                Health h = ((HealthIndicator) db.getContributor(side)).health();
                assertThat(h.getStatus()).isIn(Status.DOWN, Status.UNKNOWN);
                assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isLessThan(Duration.ofSeconds(10));
              }
              assertThat(context).hasSingleBean(PatroniMetrics.class);
            });
  }

  @Test
  void patroniHealthStaysUpDuringAFailoverAndTurnsDownWhenItTakesTooLong() {
    runner()
        .withPropertyValues("patroni.topology-refresh=100ms")
        .run(
            context -> {
              PatroniHikariDataSource ds =
                  context.getBean(DataSource.class).unwrap(PatroniHikariDataSource.class);
              awaitLeader(ds);
              // not asked before the failover: it must follow the topology on its own
              try (PatroniHealthCheck health =
                  new PatroniHealthCheck(ds, Duration.ofSeconds(3), Clock.systemUTC())) {
                cluster.set(cluster("")); // the leader key is gone: a failover is under way
                await(() -> ds.topology().flatMap(t -> t.leader()).isEmpty());
                HealthReport during = health.check();
                assertThat(during.status()).isEqualTo(HealthReport.UP);
                assertThat(during.details())
                    .containsEntry("leader", "")
                    .containsKey("noLeaderSince");

                // the REST API keeps answering (nothing is stale): only the missing leader counts
                await(() -> health.check().status().equals(HealthReport.DOWN));
                assertThat(health.check().details()).doesNotContainKey("stale");

                cluster.set(cluster("n2"));
                await(() -> ds.topology().flatMap(t -> t.leader()).isPresent());
                assertThat(health.check().status()).isEqualTo(HealthReport.UP);
                assertThat(health.check().details()).containsEntry("leader", "n2");
              }
            });
  }

  @Test
  void everyPoolReportsToTheMeterRegistryReadPoolsMadeLaterIncluded() {
    runner()
        .withPropertyValues("spring.datasource.hikari.connection-timeout=250")
        .run(
            context -> {
              SimpleMeterRegistry registry = new SimpleMeterRegistry();
              context.getBean("patroniPoolMetrics", MeterBinder.class).bindTo(registry);
              PatroniHikariDataSource ds =
                  context.getBean(DataSource.class).unwrap(PatroniHikariDataSource.class);
              awaitLeader(ds);
              assertThatThrownBy(() -> ds.readOnly().getConnection().close())
                  .isInstanceOf(SQLException.class); // makes the read pools; nothing answers
              Set<String> pools =
                  registry.find("hikaricp.connections").gauges().stream()
                      .map(g -> g.getId().getTag("pool"))
                      .collect(Collectors.toSet());
              assertThat(pools).contains("demo-write").anyMatch(p -> p.startsWith("demo-read-"));
            });
  }

  @Test
  void theJdbcTransactionManagerTranslatesToo() {
    runner()
        .withConfiguration(
            AutoConfigurations.of(
                TransactionManagerCustomizationAutoConfiguration.class,
                DataSourceTransactionManagerAutoConfiguration.class))
        .run(
            context ->
                assertThat(context.getBean(JdbcTransactionManager.class).getExceptionTranslator())
                    .isInstanceOf(PatroniSqlExceptionTranslator.class));
  }

  @Test
  void withoutHealthInfoOrMicrometerTheDataSourceStillStarts() {
    bare()
        .withClassLoader(
            new FilteredClassLoader(
                "io.micrometer",
                "org.springframework.boot.health",
                "org.springframework.boot.actuate"))
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(PatroniRoutingDataSource.class);
              assertThat(context).doesNotHaveBean("patroniHealthIndicator");
              assertThat(context).doesNotHaveBean("patroniMetrics");
            });
  }

  private static void await(Check check) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!check.ok()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @FunctionalInterface
  interface Check {
    boolean ok() throws Exception;
  }

  @Test
  void healthCanBeSwitchedOffLikeAnyOther() {
    runner()
        .withPropertyValues("management.health.patroni.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("patroniHealthIndicator"));
  }

  private static void awaitLeader(PatroniHikariDataSource ds) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (ds.topology().flatMap(t -> t.leader()).isEmpty()) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
