// The app's pages, in history mode (`ebank serve` sends every page path to index.html).
// Each page is its own chunk, loaded when first visited, so the login page stays small.
import { createRouter, createWebHistory } from 'vue-router'
import { i18n } from './i18n'
import { ensureSession, onSessionEnded } from './session'

declare module 'vue-router' {
  interface RouteMeta {
    // Open without a session (the login page).
    public?: boolean
    // The i18n key of the page's title.
    title?: string
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    {
      path: '/login',
      name: 'login',
      component: () => import('./views/LoginView.vue'),
      meta: { public: true, title: 'login.title' },
    },
    {
      path: '/',
      component: () => import('./views/HomeLayout.vue'),
      children: [
        { path: '', redirect: { name: 'accounts' } },
        {
          path: 'accounts',
          name: 'accounts',
          component: () => import('./views/AccountsView.vue'),
          meta: { title: 'accounts.title' },
        },
        {
          path: 'accounts/:number',
          name: 'account',
          component: () => import('./views/AccountDetailView.vue'),
          props: true,
          meta: { title: 'history.title' },
        },
        {
          path: 'transfer',
          name: 'transfer',
          component: () => import('./views/TransferView.vue'),
          meta: { title: 'transfer.title' },
        },
        {
          path: 'scheduled',
          name: 'scheduled',
          component: () => import('./views/ScheduledView.vue'),
          meta: { title: 'scheduled.title' },
        },
        {
          path: 'inbox',
          name: 'inbox',
          component: () => import('./views/InboxView.vue'),
          meta: { title: 'inbox.title' },
        },
        {
          path: 'security',
          name: 'security',
          component: () => import('./views/SecurityView.vue'),
          meta: { title: 'security.title' },
        },
        {
          path: 'me',
          name: 'profile',
          component: () => import('./views/ProfileView.vue'),
          meta: { title: 'profile.title' },
        },
      ],
    },
    // The staff console (柜面 / 管理台): a loader that adds the console's own routes, with
    // their guard, the first time a /staff address is opened; staff/routes.ts then replaces
    // this record by name. The customer app's first load carries only these lines.
    {
      path: '/staff/:rest(.*)*',
      name: 'staff',
      component: () => import('./staff/views/StaffLayout.vue'),
      beforeEnter: async (to) => {
        const { addStaffRoutes } = await import('./staff/routes')
        addStaffRoutes(router)
        return to.fullPath
      },
    },
    { path: '/:unknown(.*)*', redirect: { name: 'accounts' } },
  ],
})

// Only a path inside the app is a place to return to after login.
function returnPath(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')
    ? value
    : undefined
}

router.beforeEach(async (to) => {
  // Staff pages have their own session and guard (staff/routes.ts).
  if (to.path === '/staff' || to.path.startsWith('/staff/')) return true
  const live = await ensureSession()
  if (!to.meta.public && !live) {
    return to.name === 'accounts'
      ? { name: 'login' }
      : { name: 'login', query: { redirect: to.fullPath } }
  }
  if (to.name === 'login' && live) return returnPath(to.query.redirect) ?? { name: 'accounts' }
  return true
})

let firstPage = true
router.afterEach((to) => {
  const key = to.meta.title
  document.title = key ? `${i18n.global.t(key)} · ebank` : 'ebank'
  // After a page change, focus moves to the new content (not on the first load).
  if (!firstPage) document.getElementById('main')?.focus({ preventScroll: true })
  firstPage = false
})

onSessionEnded(() => {
  void router.push({ name: 'login' })
})

export function afterLogin(): string {
  return returnPath(router.currentRoute.value.query.redirect) ?? '/accounts'
}
