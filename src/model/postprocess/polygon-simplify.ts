/**
 * cv2.approxPolyDP(contour, epsilon, closed=True) as in OpenCV 4.10's approx.cpp — the version
 * PaddleX installs (opencv-contrib-python 4.10.0.84): start from an approximate farthest pair
 * (3 refinement passes), split at the point farthest from each chord's *line* (OpenCV PR #28119,
 * Dec 2025, later switched to the distance to the segment), then drop nearly collinear diagonal
 * points. Flat in, flat out.
 */
export function approxPolyDpClosed(src: readonly number[], epsilon: number): number[] {
  const count0 = src.length / 2;
  if (count0 === 0) return [];
  const eps = epsilon * epsilon;
  const count = count0;
  const dst: number[] = new Array<number>(count * 2).fill(0);
  let newCount = 0;
  const stack: number[] = [];
  const write = (x: number, y: number): void => { dst[newCount * 2] = x; dst[newCount * 2 + 1] = y; newCount++; };

  let rightStart = 0;
  let rightEnd = 0;
  let pos = 0;
  let le = false;
  let sx = 0, sy = 0;
  for (let i = 0; i < 3; i++) {
    let maxDist = 0;
    pos = (pos + rightStart) % count;
    sx = src[pos * 2]!; sy = src[pos * 2 + 1]!;
    if (++pos >= count) pos = 0;
    for (let j = 1; j < count; j++) {
      const dx = src[pos * 2]! - sx, dy = src[pos * 2 + 1]! - sy;
      if (++pos >= count) pos = 0;
      const dist = dx * dx + dy * dy;
      if (dist > maxDist) { maxDist = dist; rightStart = j; }
    }
    le = maxDist <= eps;
  }
  if (!le) {
    const sliceStart = pos % count;
    rightEnd = sliceStart;
    rightStart = (rightStart + sliceStart) % count;
    stack.push(rightStart, rightEnd, sliceStart, rightStart);
  } else {
    write(sx, sy);
  }

  while (stack.length > 0) {
    const sliceEnd = stack.pop()!;
    const sliceStart = stack.pop()!;
    const ex = src[sliceEnd * 2]!, ey = src[sliceEnd * 2 + 1]!;
    pos = sliceStart;
    sx = src[pos * 2]!; sy = src[pos * 2 + 1]!;
    if (++pos >= count) pos = 0;
    if (pos !== sliceEnd) {
      const dx = ex - sx, dy = ey - sy;
      let maxDist = 0;
      while (pos !== sliceEnd) {
        const px = src[pos * 2]!, py = src[pos * 2 + 1]!;
        if (++pos >= count) pos = 0;
        const dist = Math.abs((py - sy) * dx - (px - sx) * dy);
        if (dist > maxDist) { maxDist = dist; rightStart = (pos + count - 1) % count; }
      }
      le = maxDist * maxDist <= eps * (dx * dx + dy * dy);
    } else {
      le = true;
    }
    if (le) write(sx, sy);
    else stack.push(rightStart, sliceEnd, sliceStart, rightStart);
  }

  // Final clean-up, in place and wrapping around exactly as OpenCV does.
  const n = newCount;
  let rpos = n - 1;
  const read = (): [number, number] => { const p: [number, number] = [dst[rpos * 2]!, dst[rpos * 2 + 1]!]; if (++rpos >= n) rpos = 0; return p; };
  let start = read();
  let wpos = rpos;
  let pt = read();
  for (let i = 0; i < n && newCount > 2; i++) {
    const end = read();
    const dx = end[0] - start[0], dy = end[1] - start[1];
    const dist = Math.abs((pt[0] - start[0]) * dy - (pt[1] - start[1]) * dx);
    const inner = (pt[0] - start[0]) * (end[0] - pt[0]) + (pt[1] - start[1]) * (end[1] - pt[1]);
    if (dist * dist <= 0.5 * eps * (dx * dx + dy * dy) && dx !== 0 && dy !== 0 && inner >= 0) {
      newCount--;
      start = end;
      dst[wpos * 2] = end[0]; dst[wpos * 2 + 1] = end[1];
      if (++wpos >= n) wpos = 0;
      pt = read();
      i++;
      continue;
    }
    start = pt;
    dst[wpos * 2] = pt[0]; dst[wpos * 2 + 1] = pt[1];
    if (++wpos >= n) wpos = 0;
    pt = end;
  }
  return dst.slice(0, newCount * 2);
}
