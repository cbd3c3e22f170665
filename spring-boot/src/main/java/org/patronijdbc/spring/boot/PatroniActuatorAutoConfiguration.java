package org.patronijdbc.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.micrometer.PatroniMetrics;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Health, info and metrics for the application's {@link PatroniHikariDataSource}: a {@code patroni}
 * health check (the cluster), a {@code db} health check over both the write and the read pools,
 * {@code patroni} in the info endpoint, and {@link PatroniMetrics}. Each part appears when its
 * Spring Boot module is there.
 */
@AutoConfiguration(
    after = PatroniDataSourceAutoConfiguration.class,
    beforeName =
        "org.springframework.boot.jdbc.autoconfigure.health.DataSourceHealthContributorAutoConfiguration")
@Conditional(PatroniActuatorAutoConfiguration.OnPatroniDataSource.class)
public final class PatroniActuatorAutoConfiguration {

  /**
   * The application's data source is patroni-jdbc's: the auto-configured one, or a {@code
   * PatroniHikariDataSource} of the application's own (bean conditions see default candidates only,
   * and the auto-configured pools are not one).
   */
  static final class OnPatroniDataSource extends AnyNestedCondition {
    OnPatroniDataSource() {
      super(ConfigurationPhase.REGISTER_BEAN);
    }

    @ConditionalOnBean(PatroniRoutingDataSource.class)
    static class AutoConfigured {}

    @ConditionalOnBean(PatroniHikariDataSource.class)
    static class Own {}
  }

  /** The application's data source, as the pools. */
  static PatroniHikariDataSource patroni(DataSource dataSource) {
    try {
      return dataSource.unwrap(PatroniHikariDataSource.class);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "the application's DataSource is not a PatroniHikariDataSource: " + e.getMessage(), e);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
  static class Health {

    /** {@code patroni}: the cluster as the data source sees it. */
    @Bean
    @ConditionalOnEnabledHealthIndicator("patroni")
    @ConditionalOnMissingBean(name = "patroniHealthIndicator")
    HealthIndicator patroniHealthIndicator(
        DataSource dataSource, Environment environment, PatroniProperties properties) {
      PatroniHikariDataSource patroni = patroni(dataSource);
      return new PatroniHealthIndicator(
          patroni,
          PatroniDataSourceAutoConfiguration.failoverTimeout(environment, properties, patroni),
          Clock.systemUTC());
    }

    /** {@code db}: a connection from the write pool and one from the read pools. */
    @Bean
    @ConditionalOnEnabledHealthIndicator("db")
    @ConditionalOnMissingBean(name = {"dbHealthIndicator", "dbHealthContributor"})
    HealthContributor dbHealthContributor(DataSource dataSource) {
      PatroniHikariDataSource patroni = patroni(dataSource);
      Duration timeout = Duration.ofMillis(patroni.writePool().getConnectionTimeout());
      Map<String, HealthIndicator> pools = new LinkedHashMap<>();
      pools.put("write", new PoolHealthIndicator(patroni, timeout));
      pools.put("read", new PoolHealthIndicator(patroni.readOnly(), timeout));
      return CompositeHealthContributor.fromMap(pools);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(InfoContributor.class)
  static class Info {
    @Bean
    @ConditionalOnMissingBean(name = "patroniInfoContributor")
    InfoContributor patroniInfoContributor(DataSource dataSource) {
      return new PatroniInfoContributor(patroni(dataSource));
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  static class Metrics {
    /** Bound to the application's registries by Spring Boot. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    PatroniMetrics patroniMetrics(DataSource dataSource) {
      return new PatroniMetrics(dataSource);
    }
  }
}
