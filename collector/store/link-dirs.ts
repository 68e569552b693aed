// A poll's link samples grouped by link and direction (one `traffic` line each), numbered in
// the order each link and direction first appears, without building a key string per sample.
// The poller gives a link's samples in runs (its totals, then its classes group by group), so
// a sample of the same link and direction as the one before costs two string comparisons; any
// other is looked up by link in a map per direction (kept between polls, emptied by `reset`).
export class LinkDirIndex {
  readonly #byDir = new Map<string, Map<string, number>>();
  #count = 0;
  #lastLink: string | undefined;
  #lastDir: string | undefined;
  #lastGroup = -1;

  /** Groups numbered so far. */
  get count(): number {
    return this.#count;
  }

  /** Forgets every group (the next one is 0 again). */
  reset(): void {
    for (const links of this.#byDir.values()) links.clear();
    this.#count = 0;
    this.#lastLink = undefined;
    this.#lastDir = undefined;
    this.#lastGroup = -1;
  }

  /** The group of `link` and `dir`: the one it already has, else the next number. */
  groupOf(link: string, dir: string): number {
    if (link === this.#lastLink && dir === this.#lastDir) return this.#lastGroup;
    let links = this.#byDir.get(dir);
    if (links === undefined) {
      links = new Map();
      this.#byDir.set(dir, links);
    }
    let group = links.get(link);
    if (group === undefined) {
      group = this.#count++;
      links.set(link, group);
    }
    this.#lastLink = link;
    this.#lastDir = dir;
    this.#lastGroup = group;
    return group;
  }
}
