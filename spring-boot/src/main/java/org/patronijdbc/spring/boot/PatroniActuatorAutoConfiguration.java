package org.patronijdbc.spring.boot;

import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.patronijdbc.micrometer.PatroniMetrics;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Info and metrics for the auto-configured {@link PatroniRoutingDataSource}: {@code patroni} in the
 * info endpoint, {@link PatroniMetrics}, and HikariCP's meters for every pool. Each part appears
 * when its module is there. (Health lives in {@code PatroniHealthAutoConfiguration}, one for each
 * Spring Boot line.)
 */
@AutoConfiguration(after = PatroniDataSourceAutoConfiguration.class)
@ConditionalOnBean(PatroniRoutingDataSource.class)
public final class PatroniActuatorAutoConfiguration {

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
