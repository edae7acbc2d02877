import { SECTIONS } from '../sections/section-list.ts';

export function SectionNav() {
  return (
    <nav class="section-nav" aria-label="Sections">
      <ul>
        {SECTIONS.map((s) => (
          <li key={s.id}>
            <a href={`#${s.id}`}>{s.title}</a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
