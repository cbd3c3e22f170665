package org.patronijdbc.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application on a Patroni cluster. Its whole configuration is {@code
 * application.properties}: the {@code jdbc:patroni:} URL, the user and the password. Flyway and
 * writes run on the leader, {@code @Transactional(readOnly = true)} on replicas.
 */
@SpringBootApplication
public class GreetingApplication {

  /** Runs the application. */
  public static void main(String[] args) {
    SpringApplication.run(GreetingApplication.class, args);
  }
}
