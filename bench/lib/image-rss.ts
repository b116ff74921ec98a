/** The image adapter's memory over a long run at full load (RSS sampled from /proc). */
import { runLoad } from '../../script/local/http-load'
import { rssMiB } from '../../script/local/process-memory'
import type { ImageRssRun, Settings } from './results-types'
import { serverOf, type Target } from './targets'

const RSS_CONNECTIONS = 16
const RSS_SAMPLE_MS = 500

/** A warm-up at the same load first, so the start figure already holds the working set. */
export async function measureImageRss(imageTarget: Target, s: Settings): Promise<ImageRssRun> {
  const srv = serverOf(imageTarget)
  await runLoad({
    url: srv.url,
    connections: RSS_CONNECTIONS,
    durationSeconds: Math.max(1, s.rssRunSeconds / 10),
    bodies: imageTarget.pool(RSS_CONNECTIONS, 64),
  })
  const rssStart = rssMiB(srv.pid)
  let rssMax = rssStart
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssMiB(srv.pid))
  }, RSS_SAMPLE_MS)
  let r
  try {
    r = await runLoad({
      url: srv.url,
      connections: RSS_CONNECTIONS,
      durationSeconds: s.rssRunSeconds,
      bodies: imageTarget.pool(RSS_CONNECTIONS, 64),
    })
  } finally {
    clearInterval(sampler)
  }
  const rssEnd = rssMiB(srv.pid)
  return {
    connections: RSS_CONNECTIONS,
    seconds: r.durationSeconds,
    rssStartMiB: rssStart,
    rssEndMiB: rssEnd,
    rssMaxMiB: Math.max(rssMax, rssEnd),
    growth: Math.round(((rssEnd - rssStart) / rssStart) * 10_000) / 10_000,
    requestsPerSecond: r.requestsPerSecond,
    latencyP99Ms: r.latencyP99Ms,
    statusCounts: r.statusCounts,
  }
}
