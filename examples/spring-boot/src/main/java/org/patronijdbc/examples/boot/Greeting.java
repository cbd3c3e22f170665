package org.patronijdbc.examples.boot;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A row of {@code greetings}. */
@Entity
@Table(name = "greetings")
public class Greeting {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  private String text;

  /** For JPA. */
  protected Greeting() {}

  /** A new greeting. */
  public Greeting(String text) {
    this.text = text;
  }

  /** Its id, once saved. */
  public Long getId() {
    return id;
  }

  /** Its text. */
  public String getText() {
    return text;
  }
}
