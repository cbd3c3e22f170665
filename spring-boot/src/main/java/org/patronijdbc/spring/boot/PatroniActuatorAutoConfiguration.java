package org.patronijdbc.spring.boot;

import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.micrometer.PatroniMetrics;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Health, info and metrics for the auto-configured {@link PatroniRoutingDataSource}: a {@code
 * patroni} health check (the cluster), a {@code db} health check over both the write and the read
 * pools, {@code patroni} in the info endpoint, {@link PatroniMetrics}, and HikariCP's meters for
 * every pool. Each part appears when its Spring Boot module is there.
 */
@AutoConfiguration(
    after = PatroniDataSourceAutoConfiguration.class,
    beforeName =
        "org.springframework.boot.jdbc.autoconfigure.health.DataSourceHealthContributorAutoConfiguration")
@ConditionalOnBean(PatroniRoutingDataSource.class)
public final class PatroniActuatorAutoConfiguration {

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
  static class Health {

    /** {@code patroni}: the cluster as the data source sees it. */
    @Bean
    @ConditionalOnEnabledHealthIndicator("patroni")
    @ConditionalOnMissingBean(name = "patroniHealthIndicator")
    PatroniHealthIndicator patroniHealthIndicator(PatroniRoutingDataSource dataSource) {
      return new PatroniHealthIndicator(
          dataSource.getPatroniDataSource(), dataSource.getFailoverTimeout(), Clock.systemUTC());
    }

    /**
     * {@code db}: a connection from the write pool and one from the read pools (in place of Spring
     * Boot's, which would see only the write pool).
     */
    @Bean
    @ConditionalOnEnabledHealthIndicator("db")
    @ConditionalOnMissingBean(name = {"dbHealthIndicator", "dbHealthContributor"})
    HealthContributor dbHealthContributor(PatroniRoutingDataSource dataSource) {
      PatroniHikariDataSource patroni = dataSource.getPatroniDataSource();
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
    InfoContributor patroniInfoContributor(PatroniRoutingDataSource dataSource) {
      return new PatroniInfoContributor(dataSource.getPatroniDataSource());
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  static class Metrics {
    /** Bound to the application's registry by Spring Boot. */
    @Bean
    @ConditionalOnMissingBean
    PatroniMetrics patroniMetrics(PatroniRoutingDataSource dataSource) {
      return new PatroniMetrics(dataSource);
    }

    /**
     * HikariCP's meters for every pool, read pools made later included (Spring Boot's own binder
     * reaches only the write pool). Bound after the application started, as Spring Boot binds its
     * own, so that no registry is made early.
     */
    @Bean
    MeterBinder patroniPoolMetrics(PatroniRoutingDataSource dataSource) {
      return registry ->
          dataSource
              .getPatroniDataSource()
              .setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
    }
  }
}
