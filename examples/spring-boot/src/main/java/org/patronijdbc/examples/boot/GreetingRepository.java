package org.patronijdbc.examples.boot;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/** Greetings. Repositories translate exceptions: a failover's are transient ones. */
public interface GreetingRepository extends JpaRepository<Greeting, Long> {

  /** Whether a greeting with this text was saved. */
  boolean existsByText(String text);

  /** The PostgreSQL server this transaction runs on: port and whether it is a replica. */
  @Query(
      value = "SELECT inet_server_port() AS port, pg_is_in_recovery() AS inRecovery",
      nativeQuery = true)
  GreetingService.Server server();
}
