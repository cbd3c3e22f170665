package org.patronijdbc.examples.boot;

import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

/**
 * POST-redirect-GET, as web applications save a form: the POST saves on the leader and redirects to
 * the new greeting's page, whose GET reads it in a read-only transaction (on a replica). With
 * {@code patroni.read-your-writes=session} that page always finds what the POST saved.
 */
@Controller
public class GreetingController {

  private final GreetingService greetings;

  /** The controller. */
  public GreetingController(GreetingService greetings) {
    this.greetings = greetings;
  }

  /** Saves a greeting and redirects to its page. */
  @PostMapping("/greetings")
  public String create(@RequestParam("text") String text) {
    return "redirect:/greetings/" + greetings.create(text);
  }

  /** A greeting's text, or 404 when the server that read it does not have it. */
  @GetMapping("/greetings/{id}")
  @ResponseBody
  public ResponseEntity<String> show(@PathVariable("id") long id) {
    return greetings.find(id).map(ResponseEntity::ok).orElse(ResponseEntity.notFound().build());
  }
}
