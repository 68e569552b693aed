// The current hash route as reactive state; follows `hashchange` between start() and stop().
import { parseRoute, type Route } from './route.ts';

export class HashRouter {
  route: Route = $state.raw({ page: 'national' });
  readonly #window: Window;
  readonly #onHashChange = (): void => {
    this.route = parseRoute(this.#window.location.hash);
  };

  constructor(options: { window: Window }) {
    this.#window = options.window;
    this.route = parseRoute(this.#window.location.hash);
  }

  start(): void {
    this.#window.addEventListener('hashchange', this.#onHashChange);
    this.#onHashChange();
  }

  stop(): void {
    this.#window.removeEventListener('hashchange', this.#onHashChange);
  }
}
