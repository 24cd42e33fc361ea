// Table rows that read as cards on a phone: each cell carries its column's name
// (`data-label`, which the stylesheet shows beside the value at narrow widths) and the
// cell role (a table restyled as blocks loses it for screen readers otherwise).

/** A cell holding `content`. */
export function cell(label, ...content) {
  const td = document.createElement("td");
  td.dataset.label = label;
  td.setAttribute("role", "cell");
  td.append(...content);
  return td;
}

/** A cell whose content sits in one span, laid out beside the label as a unit. */
export function spannedCell(label, ...content) {
  const value = document.createElement("span");
  value.append(...content);
  return cell(label, value);
}

/** A row's quiet button; `label` names the row it acts on, for screen readers. */
export function rowButton(text, label = "", onClick = null) {
  const made = document.createElement("button");
  made.type = "button";
  made.className = "button button-quiet";
  made.textContent = text;
  if (label) made.setAttribute("aria-label", label);
  if (onClick) made.addEventListener("click", onClick);
  return made;
}
