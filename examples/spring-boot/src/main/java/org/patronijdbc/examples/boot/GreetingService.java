package org.patronijdbc.examples.boot;

import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Writes on the leader, reads on a replica: the annotations decide, nothing else. */
@Service
public class GreetingService {

  private final GreetingRepository greetings;

  /** The service. */
  public GreetingService(GreetingRepository greetings) {
    this.greetings = greetings;
  }

  /** Saves a greeting; returns the server that ran the transaction. */
  @Transactional
  public Server save(String text) {
    greetings.save(new Greeting(text));
    return greetings.server();
  }

  /** Saves a greeting; returns its id. */
  @Transactional
  public long create(String text) {
    return greetings.save(new Greeting(text)).getId();
  }

  /** A greeting's text, read in a read-only transaction. */
  @Transactional(readOnly = true)
  public Optional<String> find(long id) {
    return greetings.findById(id).map(Greeting::getText);
  }

  /** How many greetings there are, and the server that counted them. */
  @Transactional(readOnly = true)
  public Counted count() {
    return new Counted(greetings.count(), greetings.server());
  }

  /**
   * Whether a greeting with this text was saved, asked of the leader (not read-only): after a
   * COMMIT whose outcome is unknown, a replica may not have the answer yet.
   */
  @Transactional
  public boolean isSaved(String text) {
    return greetings.existsByText(text);
  }

  /** The PostgreSQL server a transaction ran on. */
  public record Server(int port, boolean inRecovery) {}

  /** A count and where it was taken. */
  public record Counted(long count, Server server) {}
}
